#!/usr/bin/env bash
# Builds the libFuzzer targets in their own clang tree and runs each for SECONDS over a
# temporary copy of its corpus (the repo stays clean). Exits non-zero when a target crashes;
# the crashing input is kept in $BUILD/artifacts/ and printed.
# Usage: tests/fuzz/run_fuzzers.sh [SECONDS=20] [TARGET...]
# Env: PATHWATCH_FUZZ_BUILD (build dir, default build-fuzz), PATHWATCH_FUZZ_JOBS (ninja -j).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
shift || true
build=${PATHWATCH_FUZZ_BUILD:-$repo/build-fuzz}
jobs=${PATHWATCH_FUZZ_JOBS:-$(nproc)}
all_targets=(fuzz_ingest fuzz_agent_config fuzz_collector_config fuzz_topology fuzz_icmp_packet)
targets=("${all_targets[@]}")
if [[ $# -gt 0 ]]; then targets=("$@"); fi

if ! command -v clang++ >/dev/null; then
  echo "run_fuzzers: clang++ not installed (scripts/install-deps installs it)" >&2
  exit 1
fi

# The sanitizer settings of the caller (scripts/test runs this under its ASan build) are for
# gcc's runtime; libFuzzer's own are set here.
unset ASAN_OPTIONS UBSAN_OPTIONS
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TZ=UTC LC_ALL=C.UTF-8

if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPATHWATCH_FUZZ=ON -DPATHWATCH_BENCH=OFF >/dev/null
fi
ninja -C "$build" -j "$jobs" "${targets[@]}"

artifacts=$build/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
for t in "${targets[@]}"; do
  corpus=$work/corpus-$t
  mkdir -p "$corpus"
  for seeds in "$repo/tests/fuzz/corpus/$t" "$repo/tests/fuzz/corpus/${t}_extra"; do
    [[ -d $seeds ]] && cp -r "$seeds"/. "$corpus"/
  done
  # An empty working directory: config loaders resolve relative file names against it.
  run_dir=$work/run-$t
  mkdir -p "$run_dir"
  echo "run_fuzzers: $t for ${seconds}s over $(find "$corpus" -type f | wc -l) seeds" >&2
  if ! (cd "$run_dir" && "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
          -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
          -artifact_prefix="$artifacts/$t-" "$corpus" >"$work/$t.log" 2>&1); then
    tail -n 60 "$work/$t.log" >&2
    echo "run_fuzzers: $t FAILED; crashing input(s):" >&2
    ls -1 "$artifacts/$t-"* >&2 2>/dev/null || true
    failed+=("$t")
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work/$t.log" | sed "s/^/  $t: /" >&2 || true
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run_fuzzers: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers: all ${#targets[@]} targets ran ${seconds}s without a crash" >&2
