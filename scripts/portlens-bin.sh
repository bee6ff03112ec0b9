# Sourced by the benchmark scripts: sets PORTLENS to the release binary (building it first
# when $build is 1), unless PORTLENS is already set; exits when there is no binary.
#   build=1 me=bench.sh; . scripts/portlens-bin.sh
if [[ -z "${PORTLENS:-}" ]]; then
  target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  PORTLENS=$target_dir/release/portlens
  if [[ ${build:-1} -eq 1 ]]; then
    echo "$me: cargo build --release" >&2
    cargo build --release --bin portlens >&2
  fi
fi
if [[ ! -x $PORTLENS ]]; then
  echo "$me: no portlens binary at $PORTLENS (build it, or set PORTLENS=...)" >&2
  exit 1
fi
