#!/usr/bin/env bash
# The CSV targets of the CLI: `strs csv --select` against `xsv select` on the same
# file, and `strs csv --count` through a pipe against the same count on the file;
# plus the peak RSS of --select (mapped, --no-mmap, stdin). xsv counts columns
# from 1, strs from 0: `xsv select 1,4,7` is `strs csv --select 0,3,6`. Installs what it needs:
# hyperfine (Debian package), xsv (crates.io), GNU time.
#
#   scripts/cli_csv_bench.sh [SIZE_MB]      # default 1024; the file is cached in $TMPDIR
#
# Prints a Markdown section for docs/RESULTS.md on stdout (progress on stderr).
set -euo pipefail
SIZE_MB=${1:-1024}
TMP=${TMPDIR:-/tmp}
CSV="$TMP/strs_bench_${SIZE_MB}M.csv"
cd "$(dirname "$0")/.."

need_apt() { command -v "$1" >/dev/null || { apt-get update -qq >&2 && apt-get install -y -qq "$2" >&2; }; }
need_apt hyperfine hyperfine
need_apt python3 python3
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
command -v xsv >/dev/null || cargo install --locked xsv >&2
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p strs >&2
STRS=target/release/strs

if [ ! -s "$CSV" ]; then
  echo "writing $CSV" >&2
  # Written by Python's csv module as a spreadsheet would: CRLF, quoted fields
  # with embedded newlines, doubled quotes, commas and emoji.
  python3 - "$CSV" "$SIZE_MB" <<'PY' >&2
import csv, random, sys
path, size = sys.argv[1], int(sys.argv[2]) << 20
random.seed(7)
words = ["alpha", "beta", "gamma", "délta", "epsilon", "zeta", "eta 🚀", "theta"]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "name", "city", "amount", "note", "flag", "code", "comment"])
    i = 0
    while f.tell() < size:
        rows = []
        for _ in range(10000):
            i += 1
            note = random.choice(["plain", 'say "hi", then go', "two\nlines", "", "x, y, z"])
            rows.append([i, random.choice(words), random.choice(words).upper(), f"{random.random()*1000:.2f}",
                         note, random.choice(["Y", "N"]), f"C{random.randrange(10**6)}", " ".join(random.choices(words, k=4))])
        w.writerows(rows)
PY
fi
BYTES=$(stat -c %s "$CSV")
cat "$CSV" > /dev/null   # warm the page cache

# Answers must agree before anything is timed.
cmp <(xsv select 1,4,7 "$CSV") <($STRS -q csv --select 0,3,6 "$CSV") >&2 || { echo "select outputs differ" >&2; exit 1; }
test "$($STRS -q csv --count "$CSV")" = "$(cat "$CSV" | $STRS -q csv --count -)" || { echo "counts differ" >&2; exit 1; }

J="$TMP/strs_bench_hf.json"
hyperfine -N --warmup 1 --runs 5 --export-json "$J" \
  "xsv select 1,4,7 $CSV" \
  "$STRS -q csv --select 0,3,6 $CSV" \
  "$STRS -q csv --count $CSV" >&2
hyperfine --warmup 1 --runs 5 --export-json "$J.pipe" \
  "cat $CSV | $STRS -q csv --count -" \
  "cat $CSV > /dev/null" >&2

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
RSS_MAP=$(rss $STRS -q csv --select 0,3,6 "$CSV")
RSS_READ=$(rss $STRS -q --no-mmap csv --select 0,3,6 "$CSV")
RSS_STDIN=$(rss sh -c "$STRS -q csv --select 0,3,6 - < $CSV")

python3 - "$J" "$BYTES" "$RSS_MAP" "$RSS_READ" "$RSS_STDIN" <<'PY'
import json, os, sys, datetime
j, size = sys.argv[1], int(sys.argv[2])
rss = [int(x) // 1024 for x in sys.argv[3:6]]
runs = json.load(open(j))["results"] + json.load(open(j + ".pipe"))["results"]
med = {r["command"]: r["median"] for r in runs}
cpu = {r["command"]: (r["user"], r["system"]) for r in runs}
names = list(med)
xsv, sel, cnt, pipe, cat = (med[n] for n in names)
gbs = lambda t: size / t / 1e9
load = open("/proc/loadavg").read().split()[:3]
print(f"## strs csv: --select vs xsv select, piped --count ({datetime.date.today()})\n")
print(f"Command: `scripts/cli_csv_bench.sh {size >> 20}` ({size/1e9:.2f} GB CSV written by Python's csv module;")
print(f"{os.cpu_count()} cores; load average {' '.join(load)} when the script ended).\n")
print("| run | median s | GB/s | mean CPU s (user + sys) |\n|---|---|---|---|")
for n in names:
    u, s = cpu[n]
    print(f"| `{n.replace(os.environ.get('TMPDIR', '/tmp'), '$TMP')}` | {med[n]:.3f} | {gbs(med[n]):.2f} | {u:.3f} + {s:.3f} |")
print(f"\n`--select` is {xsv/sel:.2f}x `xsv select` (target >= 2x); piped `--count` runs at "
      f"{gbs(pipe):.2f} GB/s (target >= 1.5), {cnt/pipe*100:.0f} % of the count on the mapped file.")
print("Under load, the CPU seconds compare better than the wall times (a pipeline's CPU counts all its processes).")
print(f"Peak RSS of `--select`: mapped {rss[0]} MiB, `--no-mmap` {rss[1]} MiB, stdin {rss[2]} MiB.")
PY
