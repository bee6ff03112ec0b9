#!/usr/bin/env bash
# The fuzzers, for a short fixed time each (FUZZ_SECONDS, 30 s by default), when a nightly
# toolchain and cargo-fuzz are installed; scripts/test.sh runs it last. Each corpus starts
# from the committed seeds (fuzz/seeds/), from seeds made from every capture in
# ../shared/pcaps and ../shared/pcaps-extra (fuzz/make_seeds.py --shared), and from every crash
# found before (fuzz/regressions/). A crash fails the run and says how to turn it into a
# regression test. Without nightly or cargo-fuzz it says so, visibly, and exits 0: the same
# entry points still ran on stable over the same seeds and captures (tests/fuzz_entry.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-30}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "portlens: FUZZING SKIPPED: no nightly Rust toolchain here (rustup toolchain install nightly); the fuzz targets' entry points ran on stable over the seeds and ../shared (tests/fuzz_entry.rs)" >&2
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "portlens: FUZZING SKIPPED: nightly is here but cargo-fuzz is not installed (cargo install cargo-fuzz); the fuzz targets' entry points ran on stable over the seeds and ../shared (tests/fuzz_entry.rs)" >&2
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 fuzz/make_seeds.py --shared --out "$work/seeds" >&2
echo "portlens: building the fuzz targets (nightly, AddressSanitizer)" >&2
(cd fuzz && cargo +nightly fuzz build -O decode_render >/dev/null 2>&1 && cargo +nightly fuzz build -O file_reader >/dev/null 2>&1) || {
  (cd fuzz && cargo +nightly fuzz build -O) >&2
  exit 1
}
for t in decode_render file_reader; do
  mkdir -p "$work/corpus/$t" "fuzz/regressions/$t"
  echo "portlens: fuzzing $t for ${secs} s" >&2
  log="$work/$t.log"
  if ! (cd fuzz && cargo +nightly fuzz run -O "$t" "$work/corpus/$t" "$work/seeds/$t" "seeds/$t" "regressions/$t" -- \
        -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "portlens: the fuzzer found a crash in $t (above; the input is in fuzz/artifacts/$t/). Fix it, then copy the input to fuzz/regressions/$t/ so that tests/fuzz_entry.rs replays it on every run" >&2
    exit 1
  fi
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units)" "$log" >&2 || true
done
echo "portlens: fuzzing found no crash (${secs} s per target)" >&2
