//! The scaling summary of each workload and the printed tables.

use crate::measure::Row;

/// Work inflation above which the machine counts as visibly loaded: the same
/// work cost this much more CPU at N threads, so the wall times measure other
/// processes too.
pub const LOADED_INFLATION: f64 = 1.3;

/// Parallel efficiency above which the single-thread run must have been slowed
/// by other processes: more than linear scaling, which these memory-streaming
/// workloads cannot reach by themselves.
pub const LOADED_EFFICIENCY: f64 = 1.1;

/// The summary of one workload: our scaling from its rows.
pub struct Summary {
    /// The workload's short name.
    pub workload: &'static str,
    /// Our single-thread MB/s.
    pub single: f64,
    /// Our MB/s at the most threads measured.
    pub parallel: f64,
    /// The most threads measured.
    pub threads: usize,
    /// Single-thread wall time over the parallel one.
    pub speedup: f64,
    /// Speedup over threads.
    pub efficiency: f64,
    /// CPU seconds at `threads` over CPU seconds at one thread.
    pub inflation: f64,
    /// Karp-Flatt: the serial fraction that explains the measured speedup.
    pub karp_flatt: f64,
    /// The serial part's share of the single-thread time, where measured.
    pub measured_serial: Option<f64>,
}

impl Summary {
    /// Our rows' summary; `None` without a single-thread row of ours.
    pub fn from_rows(workload: &'static str, rows: &[Row]) -> Option<Summary> {
        let ours: Vec<&Row> = rows.iter().filter(|r| r.ours).collect();
        let one = ours.iter().find(|r| r.threads == 1)?;
        let most = ours.iter().max_by_key(|r| r.threads)?;
        let p = most.threads as f64;
        let speedup = one.wall / most.wall;
        let karp_flatt = if p > 1.0 {
            ((1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p)).max(0.0)
        } else {
            0.0
        };
        Some(Summary {
            workload,
            single: one.mb_per_s(),
            parallel: most.mb_per_s(),
            threads: most.threads,
            speedup,
            efficiency: speedup / p,
            inflation: most.cpu / one.cpu,
            karp_flatt,
            measured_serial: one.serial.map(|s| s / one.wall),
        })
    }

    /// Why this run cannot project beyond the cores it had, if it cannot: the
    /// machine was visibly loaded (work inflation above [`LOADED_INFLATION`],
    /// more threads ran slower than one, or faster than linear scaling allows
    /// by more than [`LOADED_EFFICIENCY`]).
    pub fn loaded(&self) -> Option<String> {
        if self.threads < 2 {
            return None;
        }
        if self.inflation > LOADED_INFLATION {
            Some(format!("loaded: work inflation {:.2}", self.inflation))
        } else if self.speedup < 1.0 {
            Some(format!("loaded: speedup {:.2}", self.speedup))
        } else if self.efficiency > LOADED_EFFICIENCY {
            Some(format!("loaded: efficiency {:.0} %", self.efficiency * 100.0))
        } else {
            None
        }
    }

    /// The serial fraction used for projections: the larger of the measured
    /// stitch share and the Karp-Flatt estimate (which also charges memory
    /// bandwidth and scheduling to the serial part).
    pub fn serial_fraction(&self) -> f64 {
        self.karp_flatt.max(self.measured_serial.unwrap_or(0.0))
    }

    /// Amdahl's bound at `n` cores for [`serial_fraction`](Self::serial_fraction);
    /// `None` when the run was [`loaded`](Self::loaded), or when it had one
    /// thread and no measured serial part (nothing to project from).
    pub fn amdahl(&self, n: f64) -> Option<f64> {
        if self.loaded().is_some() || (self.threads < 2 && self.measured_serial.is_none()) {
            return None;
        }
        let f = self.serial_fraction();
        Some(1.0 / (f + (1.0 - f) / n))
    }
}

/// Prints the scaling table, the ceiling, the memory ratio and every workload's
/// rows, as Markdown.
pub fn print(
    results: &[(&str, &str, Vec<Row>)],
    summaries: &[Summary],
    ceiling: &[Row],
    memory: Option<f64>,
) {
    println!("\n## Scaling (ours; MB/s = 10^6 bytes/s, medians)\n");
    println!(
        "| Operation | Single thread | Parallel ({}t) | Speedup | Efficiency | Work inflation | Serial fraction (stitch) | Karp-Flatt | Amdahl 8 cores | Amdahl 16 cores |",
        summaries.first().map_or(1, |s| s.threads)
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for s in summaries {
        let seed = results.iter().find(|r| r.0 == s.workload).map_or("", |r| r.1);
        let projection = |n: f64| match (s.amdahl(n), s.loaded()) {
            (Some(x), _) => format!("{x:.1}x"),
            (None, Some(why)) => format!("n/a ({why})"),
            (None, None) => "n/a (one thread)".to_string(),
        };
        println!(
            "| {seed} | {:.0} MB/s | {:.0} MB/s | {:.2}x | {:.0} % | {:.3} | {} | {:.3} | {} | {} |",
            s.single,
            s.parallel,
            s.speedup,
            s.efficiency * 100.0,
            s.inflation,
            s.measured_serial.map_or("n/a".to_string(), |f| format!("{f:.4}")),
            s.karp_flatt,
            projection(8.0),
            projection(16.0),
        );
    }
    if summaries.iter().any(|s| s.loaded().is_some()) {
        println!(
            "\nThe machine was visibly loaded during the rows marked 'loaded' (work inflation above \
             {LOADED_INFLATION}, a speedup below 1, or an efficiency above {:.0} %): their wall times \
             measure other processes too, so no projection is made from them. Run again on a quiet \
             machine.",
            LOADED_EFFICIENCY * 100.0
        );
    }
    for r in ceiling {
        println!(
            "\nmemory-read ceiling (sum of 64-bit words, {} thread(s)): {:.0} MB/s",
            r.threads,
            r.mb_per_s()
        );
    }
    if let Some(m) = memory {
        println!("peak RSS, par_split collect / sequential split collect: {m:.2}x");
    }
    for (name, seed, rows) in results {
        println!("\n### {seed} ({name})\n");
        println!("| contestant | threads | MB/s | CPU s/run |");
        println!("|---|---|---|---|");
        for r in rows {
            println!(
                "| {} | {} | {:.0} | {:.3} |",
                r.contestant,
                r.threads,
                r.mb_per_s(),
                r.cpu
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(wall: [f64; 2], cpu: [f64; 2]) -> Vec<Row> {
        vec![
            Row::new("ours", 1, true, 1_000_000, (wall[0], cpu[0])),
            Row::new("ours", 2, true, 1_000_000, (wall[1], cpu[1])),
            Row::new("peer", 1, false, 1_000_000, (0.1, 0.1)),
        ]
    }

    #[test]
    fn a_quiet_run_projects_with_amdahl() {
        let s = Summary::from_rows("w", &rows([1.0, 0.55], [1.0, 1.1])).unwrap();
        assert!(s.loaded().is_none());
        assert!((s.speedup - 1.0 / 0.55).abs() < 1e-9);
        let a16 = s.amdahl(16.0).unwrap();
        assert!(a16 > 1.0 && a16 < 16.0);
        assert!(s.amdahl(8.0).unwrap() < a16);
    }

    #[test]
    fn high_work_inflation_means_loaded_and_no_projection() {
        let s = Summary::from_rows("w", &rows([1.0, 0.6], [1.0, 1.31])).unwrap();
        assert_eq!(s.loaded().as_deref(), Some("loaded: work inflation 1.31"));
        assert_eq!(s.amdahl(16.0), None);
    }

    #[test]
    fn a_slowdown_means_loaded_and_no_projection() {
        let s = Summary::from_rows("w", &rows([1.0, 1.25], [1.0, 1.2])).unwrap();
        assert_eq!(s.loaded().as_deref(), Some("loaded: speedup 0.80"));
        assert_eq!(s.amdahl(8.0), None);
    }

    #[test]
    fn more_than_linear_scaling_means_loaded_and_no_projection() {
        let s = Summary::from_rows("w", &rows([1.0, 0.4], [1.0, 1.0])).unwrap();
        assert_eq!(s.loaded().as_deref(), Some("loaded: efficiency 125 %"));
        assert_eq!(s.amdahl(8.0), None);
    }

    #[test]
    fn one_thread_only_is_never_loaded_and_projects_only_a_measured_serial_part() {
        let mut one = vec![Row::new("ours", 1, true, 1, (1.0, 5.0))];
        let s = Summary::from_rows("w", &one).unwrap();
        assert!(s.loaded().is_none());
        assert_eq!(s.amdahl(16.0), None);
        one[0].serial = Some(0.0);
        let s = Summary::from_rows("w", &one).unwrap();
        assert_eq!(s.amdahl(16.0), Some(16.0));
    }
}
