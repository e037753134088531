//! `strs`: split, search, count and parse very large files on every core.
//!
//! Every subcommand reads the FILEs it is given, or standard input for `-` (which
//! may appear anywhere in the list) or when no FILE is given. Regular files are
//! memory-mapped (see `--no-mmap`); standard input and pipes are read as a stream
//! in bounded memory. Errors, usage errors included, are one line on stderr and
//! exit status 2; a closed stdout (`strs split big.log | head -1`) ends quietly.

#![deny(unsafe_code)]

mod cmd;
mod failure;
mod input;
mod output;
mod stream;
mod unicode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use failure::Failure;

/// The longest record (word, CSV record, split piece) a stream may buffer by default.
pub const DEFAULT_MAX_RECORD: usize = 64 << 20;

/// Split, search, count and parse very large files on every core.
#[derive(Parser, Debug)]
#[command(
    name = "strs",
    version,
    about,
    propagate_version = true,
    after_help = "FILE arguments: `-` (anywhere in the list) or no FILE reads standard input.\n\
                  Errors are one line on stderr with exit status 2."
)]
pub struct Cli {
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
    /// No progress display. Progress is only ever shown on a terminal (stderr),
    /// never when stderr is a pipe or a file.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    /// Longest piece a stream may buffer whole (a split piece, a CSV record, a
    /// word for `words`) before it is an error (default 64M). `wc` and `find`
    /// never need whole lines and ignore it.
    #[arg(long, global = true, value_parser = input::parse_size, value_name = "BYTES")]
    max_record: Option<usize>,
    /// Read regular files instead of memory-mapping them. Mapping is faster, but
    /// the file must not change while it is read: a file truncated by another
    /// process kills `strs` (SIGBUS), and a file rewritten in place can give
    /// inconsistent results (`words` checks UTF-8 once, then reads the bytes
    /// again; CSV reads the map twice). Use --no-mmap for files being written.
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
        self.max_record.unwrap_or(DEFAULT_MAX_RECORD)
    }

    /// The chunk size in bytes.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
            .unwrap_or(strs_tools::parallel::DEFAULT_CHUNK_SIZE)
    }

    /// Whether progress may be shown at all (`--quiet` is off).
    pub fn quiet(&self) -> bool {
        self.quiet
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Split on one or more delimiters; print the pieces one per line.
    Split(cmd::split::SplitArgs),
    /// Count, print or select the records of CSV files.
    Csv(cmd::csv::CsvArgs),
    /// Find every match of one or more patterns: `offset<TAB>pattern` lines.
    Find(cmd::find::FindArgs),
    /// Count lines, words and bytes, per file and in total.
    Wc(cmd::wc::WcArgs),
    /// Word frequencies, most frequent first: `count<TAB>word` lines.
    Words(cmd::words::WordsArgs),
    /// Print a shell completion script: `strs completions bash > ~/.local/share/bash-completion/completions/strs`.
    Completions(cmd::meta::CompletionsArgs),
    /// Print the manual page (roff): `strs man | man -l -`.
    Man,
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
        Command::Completions(args) => cmd::meta::completions(Cli::command(), args),
        Command::Man => cmd::meta::man(Cli::command()),
    }
}

/// Parses the command line; a usage error becomes one line on stderr and exit
/// status 2 (help and version print as clap prints them).
fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
                _ => {
                    eprintln!(
                        "strs: {} (see --help)",
                        failure::one_line(&e.render().to_string())
                    );
                    std::process::exit(2);
                }
            }
        }
    }
}

/// Keeps large freed blocks in the heap for reuse. The streaming passes allocate
/// and free buffers of a few MiB per window; with glibc's default (dynamic)
/// mmap threshold each of them comes from a fresh mapping whose pages fault in
/// again, which cost a quarter of the CPU time of `csv --select` (70,000 page
/// faults per 256 MiB, against 8,000 with this).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    const KEEP: libc::c_int = 256 << 20;
    // SAFETY: `mallopt` only sets allocator parameters; it is called before any
    // other thread exists, and both parameters accept any non-negative size.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, KEEP);
        libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() {
    tune_allocator();
    let cli = parse();
    if let Err(failure) = run(cli) {
        std::process::exit(failure.report());
    }
}
