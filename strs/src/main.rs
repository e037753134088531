//! `strs`: split, search, count and parse very large files on every core.

use clap::Parser;

/// strs: split, search, count and parse very large files on every core.
#[derive(Parser, Debug)]
#[command(name = "strs", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
