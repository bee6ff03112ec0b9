#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages portlens needs, only those that are missing:
#   libpcap-dev (to build), and with --test also tshark and tcpdump (the differential tests
#   compare against them) and, when python3 cannot import jsonschema, python3-jsonschema
#   (tests/ecs.rs validates the output against schemas/), and python3-pip then the Python
#   package duckdb from PyPI when python3 cannot import duckdb (tests/pipelines.rs loads the
#   JSON into DuckDB). Uses sudo when not root. Safe to run again: it does nothing when
#   everything is there.
set -euo pipefail

want=(libpcap-dev)
if [[ "${1:-}" == "--test" ]]; then
  want+=(tshark tcpdump)
  if ! python3 -c 'import jsonschema' 2>/dev/null; then
    want+=(python3-jsonschema)
  fi
  if ! python3 -c 'import duckdb' 2>/dev/null && ! python3 -m pip --version >/dev/null 2>&1; then
    want+=(python3-pip)
  fi
fi

# DuckDB has no Debian package: pip, for this user, only when missing (a Debian python that
# refuses to install beside its own packages is told that this is meant).
pip_duckdb() {
  if [[ "${1:-}" == "--test" ]] && ! python3 -c 'import duckdb' 2>/dev/null; then
    echo "portlens: installing the Python package duckdb (pip)" >&2
    python3 -m pip install --quiet --user duckdb 2>/dev/null ||
      python3 -m pip install --quiet --user --break-system-packages duckdb 2>/dev/null ||
      python3 -m pip install --quiet duckdb ||
      echo "portlens: could not install duckdb with pip; tests/pipelines.rs will say it skipped" >&2
  fi
}

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  pip_duckdb "$@"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "portlens: these packages are missing: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "portlens: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo[@]}" debconf-set-selections 2>/dev/null || true
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
pip_duckdb "$@"
