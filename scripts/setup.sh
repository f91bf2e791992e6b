#!/usr/bin/env bash
# Installs the system packages Gatehouse builds and tests with, where they are missing.
# Swift 6.x itself is expected on PATH (this project's machines ship it at /opt/swift).
set -euo pipefail
need=()
# postgresql: the fleet tests start a private server of their own (initdb in a temporary directory; no system service).
for pkg in libsqlite3-dev libcurl4-openssl-dev sqlite3 socat openssl curl postgresql; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
python3 -m venv --help >/dev/null 2>&1 || need+=(python3 python3-venv)
# The package test: systemd-analyze checks the user unit; unshare and mount hide the toolchain.
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v unshare >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.x toolchain required)" >&2; exit 1; }
