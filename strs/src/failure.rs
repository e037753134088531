//! How `strs` fails: one line on stderr, exit status 2; a closed stdout is not a
//! failure worth a word.

use std::fmt;
use std::io;

/// A reason to stop.
#[derive(Debug)]
pub enum Failure {
    /// Something the user can fix: a bad option, a missing file, bad input.
    Usage(String),
    /// Writing the output failed.
    Output(io::Error),
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::Usage(message.into())
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

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => f.write_str(m),
            Failure::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Output(e)
    }
}
