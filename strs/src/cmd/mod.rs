//! One module per subcommand.

pub mod csv;
pub mod find;
pub mod meta;
pub mod split;
pub mod wc;
pub mod words;

use crate::failure::Failure;

/// Resolves the backslash escapes users type for invisible delimiters: `\n`,
/// `\r`, `\t`, `\0`, `\\` and `\xHH` (ASCII only: delimiters are text).
pub fn unescape_arg(arg: &str) -> Result<String, Failure> {
    let mut out = String::with_capacity(arg.len());
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if b.is_ascii() && hex.len() == 2 => out.push(b as char),
                    _ => {
                        return Err(Failure::usage(format!(
                            "'{arg}': \\x needs two hex digits of an ASCII byte"
                        )))
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::unescape_arg;

    #[test]
    fn escapes_resolve_and_others_stay() {
        assert_eq!(unescape_arg(r"\r\n").unwrap(), "\r\n");
        assert_eq!(unescape_arg(r"a\tb\\c\x2c\q").unwrap(), "a\tb\\c,\\q");
        assert!(unescape_arg(r"\xff").is_err());
        assert!(unescape_arg(r"\x4").is_err());
    }
}
