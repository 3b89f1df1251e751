#!/usr/bin/env bash
# Debian packages Lắng Nghe needs on a fresh machine: the tools `make test` runs with (make, a
# Python >= 3.11 with venv), PostgreSQL (the scale-out database), Redis (what many workers share) and
# Chromium (page tests; Playwright drives /usr/bin/chromium and never downloads a browser of its own).
# Installs only what is missing; needs root (or sudo) the first time.
set -euo pipefail

need=()
command -v make >/dev/null 2>&1 || need+=(make)
if ! command -v python3 >/dev/null 2>&1; then
    need+=(python3 python3-venv)
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need+=(python3-venv)   # Debian ships venv without ensurepip until this is installed
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)   # PostgreSQL refuses root: tests start it as postgres
[ -e /usr/share/zoneinfo/Asia/Ho_Chi_Minh ] || need+=(tzdata)
[ -e /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)   # pip over HTTPS
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${need[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install: ${need[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "Lắng Nghe needs Python >= 3.11 (Debian 12 or newer); found $(python3 --version)" >&2; exit 1; }
