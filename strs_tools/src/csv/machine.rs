//! The CSV state machine, written the slow and obvious way: one state enum and one
//! transition function that mirror csv-core's NFA byte for byte. The fast parser
//! (`scalar.rs`, `block_parse.rs`) is tested in lockstep against it; the chunk planner falls back to it
//! where quote parity cannot be trusted (malformed quoting, escape dialects).

use super::dialect::Dialect;

/// Where the parser is, between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Before the first byte of a record; terminator bytes here are skipped
    /// (empty lines produce no record, as in the csv crate).
    StartRecord,
    /// Before the first byte of a field.
    StartField,
    /// Inside an unquoted field (a quote here is an ordinary byte).
    InField,
    /// Inside quotes.
    InQuotedField,
    /// Just after the escape byte inside quotes: the next byte is content.
    InEscapedQuote,
    /// Just after a quote inside quotes: a closing quote, or the first half of `""`.
    InDoubleEscapedQuote,
    /// Just after a `\r` that ended a record (CRLF terminator only).
    Crlf,
}

/// What a transition does with the byte it consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// The byte is field content.
    Copy,
    /// The byte is syntax (a quote, an escape, a skipped terminator).
    Discard,
    /// The byte ended the current field; the record goes on.
    EndField,
    /// The byte ended the current field and record.
    EndRecord,
}

impl State {
    /// The state after `byte`, and what happened to it: csv-core's NFA with its
    /// epsilon transitions folded in.
    pub(crate) fn step(self, d: &Dialect, byte: u8) -> (State, Action) {
        let is_quote = d.quoting && byte == d.quote;
        match self {
            State::StartRecord | State::Crlf if d.is_term(byte) => (State::StartRecord, Action::Discard),
            State::StartRecord | State::Crlf | State::StartField => {
                if is_quote {
                    (State::InQuotedField, Action::Discard)
                } else {
                    State::InField.step(d, byte)
                }
            }
            State::InField => {
                if byte == d.delimiter {
                    (State::StartField, Action::EndField)
                } else if d.is_term(byte) {
                    (Self::after_term(d, byte), Action::EndRecord)
                } else {
                    (State::InField, Action::Copy)
                }
            }
            State::InQuotedField => {
                if is_quote {
                    (State::InDoubleEscapedQuote, Action::Discard)
                } else if d.quoting && d.escape == Some(byte) {
                    (State::InEscapedQuote, Action::Discard)
                } else {
                    (State::InQuotedField, Action::Copy)
                }
            }
            State::InEscapedQuote => (State::InQuotedField, Action::Copy),
            State::InDoubleEscapedQuote => {
                if is_quote && d.double_quote {
                    (State::InQuotedField, Action::Copy)
                } else {
                    State::InField.step(d, byte)
                }
            }
        }
    }

    /// The state after the terminator byte that ended a record.
    fn after_term(d: &Dialect, byte: u8) -> State {
        if d.terminator_is_crlf() && byte == b'\r' {
            State::Crlf
        } else {
            State::StartRecord
        }
    }

    /// Does the input ending in this state end a record (csv-core's final transition)?
    #[cfg(test)]
    pub(crate) fn ends_record_at_eof(self) -> bool {
        !matches!(self, State::StartRecord | State::Crlf)
    }
}

/// The content of one raw field (the bytes between its delimiters, quotes
/// included), unescaped by running the state machine over it from `StartField`.
pub(crate) fn unescape(d: &Dialect, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut state = State::StartField;
    for &byte in raw {
        let (next, action) = state.step(d, byte);
        if action == Action::Copy {
            out.push(byte);
        }
        state = next;
    }
    out
}

/// The slow twin of the whole parser: every record, every field unescaped,
/// exactly as csv-core (and so the `csv` crate with `has_headers(false)` and
/// `flexible(true)`) produces them.
#[cfg(test)]
pub(crate) fn naive_parse(d: &Dialect, input: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    let mut record: Vec<Vec<u8>> = Vec::new();
    let mut field = Vec::new();
    let mut state = State::StartRecord;
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    for &byte in input {
        let (next, action) = state.step(d, byte);
        match action {
            Action::Copy => field.push(byte),
            Action::Discard => {}
            Action::EndField => record.push(std::mem::take(&mut field)),
            Action::EndRecord => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
        }
        state = next;
    }
    if state.ends_record_at_eof() {
        record.push(field);
        records.push(record);
    }
    records
}
