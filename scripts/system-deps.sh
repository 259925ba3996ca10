#!/usr/bin/env bash
# Installs the Debian packages hotline needs on a fresh machine, only those that are missing.
#   debootstrap: builds the sandbox Asterisk root     sox, espeak-ng: IVR prompts
#   chromium: wallboard tests (headless)   sip-tester (sipp), baresip-core: the sandbox's SIP phones and callers
set -euo pipefail
wanted=(debootstrap sox espeak-ng chromium sip-tester baresip-core)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
