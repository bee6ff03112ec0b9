#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages portlens needs, only those that are missing:
#   libpcap-dev (to build), and with --test also tshark and tcpdump (the differential tests
#   compare against them) and, when python3 cannot import jsonschema, python3-jsonschema
#   (tests/ecs.rs validates the output against schemas/). Uses sudo when not root. Safe to run
#   again: it does nothing when everything is there.
set -euo pipefail

want=(libpcap-dev)
if [[ "${1:-}" == "--test" ]]; then
  want+=(tshark tcpdump)
  if ! python3 -c 'import jsonschema' 2>/dev/null; then
    want+=(python3-jsonschema)
  fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

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
