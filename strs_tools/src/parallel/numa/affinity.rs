//! CPU affinity of threads: two thin wrappers
//! over Linux `sched_getaffinity` / `sched_setaffinity`. On other systems (and
//! under Miri) affinity is reported as unsupported and callers fall back to
//! unpinned threads.

use std::io;

/// The CPUs the process may run on (its main thread's affinity mask: what
/// `taskset`, cgroup cpusets and container limits leave it), sorted ascending.
pub(crate) fn process_cpus() -> io::Result<Vec<usize>> {
    imp::get(imp::Target::Process)
}

/// The CPUs the calling thread may run on, sorted ascending.
pub(crate) fn thread_cpus() -> io::Result<Vec<usize>> {
    imp::get(imp::Target::CurrentThread)
}

/// Restricts the calling thread to `cpus`. Fails (and changes nothing) if the set is
/// empty, or if the kernel refuses: no permission, or none of the CPUs is online
/// and allowed.
pub(crate) fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
    if cpus.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty CPU set"));
    }
    imp::set(cpus)
}

// Miri cannot run the system calls: it sees the non-Linux behaviour.
#[cfg(all(target_os = "linux", not(miri)))]
mod imp {
    use std::io;
    use std::mem::size_of;

    // The kernel reads and writes affinity masks as arrays of `unsigned long`, CPU
    // `i` being bit `i % BITS` of word `i / BITS`; glibc's `cpu_set_t` is one such
    // array of fixed size (1024 CPUs). Using our own arrays lets masks grow past it.
    type Word = libc::c_ulong;
    const WORD_BITS: usize = Word::BITS as usize;
    /// Masks are grown up to this many CPUs before giving up (Linux allows 8192).
    const MAX_CPUS: usize = 1 << 16;

    pub(super) enum Target {
        Process,
        CurrentThread,
    }

    pub(super) fn get(target: Target) -> io::Result<Vec<usize>> {
        let pid: libc::pid_t = match target {
            // The thread id of the main thread equals the process id.
            Target::Process => libc::pid_t::try_from(std::process::id())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "process id out of range"))?,
            Target::CurrentThread => 0,
        };
        let mut words = 1024 / WORD_BITS;
        loop {
            let mut mask: Vec<Word> = vec![0; words];
            // SAFETY: `mask` is a live, writable, `Word`-aligned buffer of exactly the
            // byte length passed; the kernel (and glibc, which zero-fills the tail)
            // writes no more than that length. `cpu_set_t` is a plain array of
            // `unsigned long` bits, so the pointer cast changes no layout assumption.
            let rc = unsafe {
                libc::sched_getaffinity(
                    pid,
                    words * size_of::<Word>(),
                    mask.as_mut_ptr().cast::<libc::cpu_set_t>(),
                )
            };
            if rc == 0 {
                return Ok(cpus_of(&mask));
            }
            let err = io::Error::last_os_error();
            // EINVAL: the mask is smaller than the kernel's CPU mask; try a larger one.
            if err.raw_os_error() == Some(libc::EINVAL) && words * WORD_BITS < MAX_CPUS {
                words *= 2;
                continue;
            }
            return Err(err);
        }
    }

    pub(super) fn set(cpus: &[usize]) -> io::Result<()> {
        let max = cpus.iter().copied().max().unwrap_or(0);
        if max >= MAX_CPUS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("CPU {max} out of range"),
            ));
        }
        let mut mask: Vec<Word> = vec![0; max / WORD_BITS + 1];
        for &cpu in cpus {
            mask[cpu / WORD_BITS] |= 1 << (cpu % WORD_BITS);
        }
        // SAFETY: `mask` is a live, `Word`-aligned buffer of exactly the byte length
        // passed, only read by the kernel (a shorter mask than the kernel's is
        // zero-extended by it). `pid` 0 targets the calling thread only.
        let rc = unsafe {
            libc::sched_setaffinity(
                0,
                mask.len() * size_of::<Word>(),
                mask.as_ptr().cast::<libc::cpu_set_t>(),
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    fn cpus_of(mask: &[Word]) -> Vec<usize> {
        let mut cpus = Vec::new();
        for (i, &word) in mask.iter().enumerate() {
            for bit in 0..WORD_BITS {
                if word & (1 << bit) != 0 {
                    cpus.push(i * WORD_BITS + bit);
                }
            }
        }
        cpus
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn mask_bits_map_to_cpu_numbers() {
            let mut mask = vec![0 as Word; 2];
            mask[0] = 0b101;
            mask[1] = 1 << 3;
            assert_eq!(cpus_of(&mask), vec![0, 2, WORD_BITS + 3]);
        }

        #[test]
        fn out_of_range_cpu_is_refused_without_a_call() {
            assert_eq!(set(&[MAX_CPUS]).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        }
    }
}

#[cfg(not(all(target_os = "linux", not(miri))))]
mod imp {
    use std::io;

    pub(super) enum Target {
        Process,
        CurrentThread,
    }

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "CPU affinity is only supported on Linux",
        )
    }

    pub(super) fn get(_: Target) -> io::Result<Vec<usize>> {
        Err(unsupported())
    }

    pub(super) fn set(_: &[usize]) -> io::Result<()> {
        Err(unsupported())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", not(miri)))]
    fn pinning_a_thread_shows_in_its_affinity_and_not_in_the_process() {
        let allowed = process_cpus().unwrap();
        assert!(!allowed.is_empty());
        let target = allowed[allowed.len() - 1];
        let seen = std::thread::spawn(move || {
            pin_current_thread(&[target]).unwrap();
            thread_cpus().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(seen, vec![target]);
        // The process mask (the main thread's) is untouched.
        assert_eq!(process_cpus().unwrap(), allowed);
    }

    #[test]
    fn empty_set_is_refused() {
        assert_eq!(
            pin_current_thread(&[]).unwrap_err().kind(),
            std::io::ErrorKind::InvalidInput
        );
    }
}
