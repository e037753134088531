//! Peak memory of collecting the split, sequential against parallel, each
//! measured in a fresh process (a hidden mode of this binary), so that neither
//! inherits the other's peak.

use rayon::iter::ParallelIterator;
use strs_tools::parallel::ParallelStringExt;

/// Which collect a probe process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Probe {
    /// The sequential split, collected into `Vec<&str>`.
    Seq,
    /// `par_split`, collected into `Vec<&str>`.
    Par,
}

/// Runs one collect over `size` bytes of log text and prints `lines peak_kib`.
pub fn run(probe: Probe, size: usize) {
    let text = strs_testdata::log_text(size);
    let n = match probe {
        Probe::Seq => {
            let v: Vec<&str> = strs_tools::string::split()
                .src(&text)
                .delimiter("\n")
                .preserving_delimiters(false)
                .preserving_empty(true)
                .perform()
                .map(|s| text.get(s.start..s.end).unwrap_or_default())
                .collect();
            v.len()
        }
        Probe::Par => {
            let v: Vec<&str> = text.par_split(&["\n"]).collect();
            v.len()
        }
    };
    println!("{n} {}", peak_rss_kib().unwrap_or(0));
}

/// This process's peak resident set, in KiB (Linux `VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Peak RSS of collecting `par_split` over peak RSS of collecting the sequential
/// split (both `Vec<&str>`), each in a fresh process; `None` where the probe
/// cannot run (no `/proc`).
///
/// # Errors
///
/// If the two probes disagree on the number of lines.
pub fn ratio(size: usize) -> Result<Option<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let probe = |mode: &str| -> Option<(usize, f64)> {
        let out = std::process::Command::new(&exe)
            .args(["--memprobe", mode, "--size", &size.to_string()])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    };
    match (probe("seq"), probe("par")) {
        (Some((n1, seq)), Some((n2, par))) if n1 == n2 && seq > 0.0 => Ok(Some(par / seq)),
        (Some((n1, _)), Some((n2, _))) if n1 != n2 => {
            Err(format!("memory probe disagrees: {n1} vs {n2} lines"))
        }
        _ => Ok(None),
    }
}
