#!/usr/bin/env bash
# The README's second command: the whole test suite (lints first). Installs libpcap-dev, tshark and tcpdump
# if missing (the differential tests compare portlens with them), then runs every test:
# unit, integration, the differential test against tshark over fixtures/ and ../shared/pcaps
# (skipped cleanly when ../shared is absent), the fuzz targets' entry points over their seeds and
# ../shared on stable (tests/fuzz_entry.rs), the live-capture tests on loopback, and last the
# fuzzers themselves for a short fixed time when a nightly toolchain and cargo-fuzz are installed
# (scripts/fuzz.sh; it says so when they are not). Live capture needs root: as root everything
# runs; otherwise the live tests are run through sudo when sudo is available, else they report
# that they were skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test

export TZ=UTC
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --profile ci --all-targets --quiet -- -D warnings
else
  echo "portlens: clippy is not installed (rustup component add clippy); skipping the lint step" >&2
fi
cargo test --profile ci --all-targets "$@"
cargo test --profile ci --doc

if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1 && [[ -z "${PORTLENS_NO_SUDO:-}" ]]; then
  echo "portlens: running the live-capture tests as root through sudo" >&2
  for t in $(cargo test --profile ci --test live --no-run --message-format=json 2>/dev/null \
             | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p'); do
    sudo -E env "PATH=$PATH" "$t"
  done
fi

scripts/fuzz.sh
