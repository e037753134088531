//! `strs`: split, search, count and parse very large files on every core.
//!
//! Every subcommand reads a FILE, or standard input for `-` or no FILE. Regular
//! files are memory-mapped (see `--no-mmap`); standard input and pipes are read
//! as a stream in bounded memory. Errors are one line on stderr and exit status
//! 2; a closed stdout (`strs split big.log | head -1`) ends quietly.

#![deny(unsafe_code)]

mod cmd;
mod failure;
mod input;
mod output;

use clap::{Args, Parser, Subcommand};

use failure::Failure;

/// Split, search, count and parse very large files on every core.
#[derive(Parser, Debug)]
#[command(name = "strs", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes, before or after its name.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Worker threads (0 or absent: all available).
    #[arg(long, global = true, value_delimiter = ',', value_name = "N")]
    threads: Vec<usize>,
    /// Bytes per parallel task, e.g. 65536, 64K, 1M (default 1M). Any size gives
    /// the same result.
    #[arg(long, global = true, value_parser = input::parse_size, value_name = "BYTES")]
    chunk_size: Option<usize>,
    /// Run on NUMA-pinned per-node thread pools.
    #[arg(long, global = true)]
    numa: bool,
    /// No progress bar.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    /// Longest record (segment, line) a stream may buffer before it is an error
    /// (default 64M).
    #[arg(long, global = true, value_parser = input::parse_size, value_name = "BYTES")]
    max_record: Option<usize>,
    /// Read regular files instead of memory-mapping them. Mapping is faster, but a
    /// file truncated by another process while mapped kills the process (SIGBUS).
    #[arg(long, global = true)]
    no_mmap: bool,
}

impl Global {
    /// The thread count (0: all).
    pub fn threads(&self) -> Result<usize, Failure> {
        match self.threads[..] {
            [] => Ok(0),
            [n] if n <= strs_tools::parallel::MAX_THREADS => Ok(n),
            [n] => Err(Failure::usage(format!(
                "--threads {n} is more than the limit of {}",
                strs_tools::parallel::MAX_THREADS
            ))),
            _ => Err(Failure::usage("--threads takes one number")),
        }
    }

    /// Runs `op` on the configured pool: the NUMA processor's pinned pools with
    /// `--numa`, else the global pool (sized by `--threads`).
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match self.numa_processor() {
            Some(processor) => processor.install(op),
            None => op(),
        }
    }

    /// The NUMA processor, with `--numa` (detected once).
    pub fn numa_processor(&self) -> Option<std::sync::Arc<strs_tools::parallel::NumaStringProcessor>> {
        static PROCESSOR: std::sync::OnceLock<std::sync::Arc<strs_tools::parallel::NumaStringProcessor>> =
            std::sync::OnceLock::new();
        self.numa.then(|| PROCESSOR.get_or_init(Default::default).clone())
    }

    /// The longest record a stream may buffer.
    pub fn max_record(&self) -> usize {
        self.max_record
            .unwrap_or(strs_tools::parallel::DEFAULT_MAX_RECORD)
    }

    /// The chunk size in bytes.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
            .unwrap_or(strs_tools::parallel::DEFAULT_CHUNK_SIZE)
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Split on one or more delimiters; print the pieces one per line.
    Split(cmd::split::SplitArgs),
    /// Count, print or select the records of a CSV file.
    Csv(cmd::csv::CsvArgs),
    /// Find every match of one or more patterns: `offset<TAB>pattern` lines.
    Find(cmd::find::FindArgs),
    /// Count lines, words and bytes.
    Wc(cmd::wc::WcArgs),
    /// Word frequencies, most frequent first: `count<TAB>word` lines.
    Words(cmd::words::WordsArgs),
}

fn run(cli: Cli) -> Result<(), Failure> {
    let g = &cli.global;
    if g.threads.iter().any(|&n| n > strs_tools::parallel::MAX_THREADS) {
        return Err(Failure::usage(format!(
            "--threads is limited to {}",
            strs_tools::parallel::MAX_THREADS
        )));
    }
    let threads = g.threads()?;
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| Failure::usage(format!("cannot start {threads} threads: {e}")))?;
    }
    match cli.command {
        Command::Split(args) => cmd::split::run(g, args),
        Command::Csv(args) => cmd::csv::run(g, args),
        Command::Find(args) => cmd::find::run(g, args),
        Command::Wc(args) => cmd::wc::run(g, args),
        Command::Words(args) => cmd::words::run(g, args),
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(failure) = run(cli) {
        std::process::exit(failure.report());
    }
}
