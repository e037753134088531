#!/usr/bin/env bash
# Fuzzes the library's parsers with libFuzzer (cargo-fuzz) on the nightly toolchain.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
#
# Defaults: 60 seconds, every target of fuzz/Cargo.toml. Installs cargo-fuzz at a
# pinned version into .tools/ when it is missing, builds every target, then runs
# each given target in turn with its corpus in fuzz/corpus/<target> (seeded from
# the committed fuzz/seeds/<target>/), crashes in fuzz/artifacts/<target>/ and
# libFuzzer's log in fuzz/logs/<target>.log. Exits non-zero if any target
# crashed (or failed to build). Set FUZZ_JOBS=N to run N targets at once and
# FUZZ_ARGS to pass more libFuzzer flags (e.g. FUZZ_ARGS=-max_len=65536).
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
TOOLCHAIN=nightly

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-60}
shift || true
case $seconds in
'' | *[!0-9]*)
    echo "fuzz.sh: seconds-per-target must be a whole number, got '$seconds'" >&2
    exit 2
    ;;
esac

if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing the $TOOLCHAIN toolchain (libFuzzer needs -Z flags)" >&2
    rustup toolchain install "$TOOLCHAIN" --profile minimal
fi

tools="$root/.tools"
if ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
    echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION into $tools" >&2
    cargo install --locked --root "$tools" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
export PATH="$tools/bin:$PATH"
# The fuzz crate is its own workspace: its artefacts stay in fuzz/target.
export CARGO_TARGET_DIR="$root/fuzz/target"

if [ $# -eq 0 ]; then
    mapfile -t targets < <(cargo "+$TOOLCHAIN" fuzz list --fuzz-dir fuzz)
else
    targets=("$@")
fi

# One build of every target first: a target that does not compile fails the
# run before any time is spent fuzzing.
cargo "+$TOOLCHAIN" fuzz build --fuzz-dir fuzz

mkdir -p fuzz/logs
run_one() {
    local t=$1
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    local seeds=()
    [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
    # The first corpus directory is the one libFuzzer writes; the seeds are
    # only read. -timeout catches inputs that make a linear scan crawl.
    # shellcheck disable=SC2086
    nice -n 10 cargo "+$TOOLCHAIN" fuzz run --fuzz-dir fuzz "$t" \
        "fuzz/corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
        ${FUZZ_ARGS:-} >"fuzz/logs/$t.log" 2>&1
}

failed=()
jobs=${FUZZ_JOBS:-1}
pids=()
names=()
for t in "${targets[@]}"; do
    echo "fuzz.sh: $t for ${seconds}s (log: fuzz/logs/$t.log)" >&2
    run_one "$t" &
    pids+=($!)
    names+=("$t")
    if [ ${#pids[@]} -ge "$jobs" ]; then
        if ! wait "${pids[0]}"; then failed+=("${names[0]}"); fi
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then failed+=("${names[$i]}"); fi
done

for t in "${targets[@]}"; do
    # libFuzzer's closing lines: executions, speed, coverage.
    stats=$(grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' \
        "fuzz/logs/$t.log" | awk '{printf "%s ", $0}' || true)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "fuzz/logs/$t.log" | tail -1 || true)
    echo "fuzz.sh: $t: ${stats}${cov}" >&2
done

if [ ${#failed[@]} -gt 0 ]; then
    for t in "${failed[@]}"; do
        echo "fuzz.sh: $t FAILED; see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
        grep -E 'panicked at|Test unit written to' "fuzz/logs/$t.log" | head -5 >&2 || true
    done
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s), no crash" >&2
