//! How `strs` fails: one line on stderr, exit status 2; a closed stdout is not a
//! failure worth a word.

use std::fmt;
use std::io;

/// A reason to stop.
#[derive(Debug)]
pub enum Failure {
    /// Something the user can fix: a bad option, a missing or unreadable file,
    /// malformed input. The message names the file and position.
    Input(String),
    /// Writing the output failed.
    Output(io::Error),
}

impl Failure {
    /// A failure the user can fix, with its one-line message.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Input(one_line(&message.into()))
    }

    /// Prints the failure (if it deserves it) and returns the exit status.
    pub fn report(self) -> i32 {
        match self {
            // The reader of our output went away (`| head`): stop quietly.
            Failure::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            other => {
                eprintln!("strs: {other}");
                2
            }
        }
    }
}

/// `text` as one line: the part before the first blank line (clap's usage and
/// tips follow one), whitespace runs collapsed, a leading `error: ` dropped.
pub fn one_line(text: &str) -> String {
    let head = text.split("\n\n").next().unwrap_or_default();
    let joined = head.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.strip_prefix("error: ").unwrap_or(&joined).to_string()
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(m) => f.write_str(m),
            Failure::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

/// Only for writes to the output: reads map their errors with the file's name.
impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Output(e)
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn clap_errors_become_one_line() {
        let clap = "error: the following required arguments were not provided:\n  --pattern <PATTERN>\n\nUsage: strs find --pattern <PATTERN> [FILE]...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(clap),
            "the following required arguments were not provided: --pattern <PATTERN>"
        );
        assert_eq!(one_line("a\nb"), "a b");
    }
}
