#!/usr/bin/env bash
# Install the apt packages whose command is missing; `apt-get update` only when needed.
#   .ci/apt-ensure.sh pg_config:libpq-dev redis-server:redis-server ...
# Each argument is CHECK:PACKAGE, where CHECK is a command name or an absolute path (glob ok).
set -euo pipefail

missing=()
for pair in "$@"; do
    check="${pair%%:*}" pkg="${pair#*:}"
    if [[ "$check" == /* ]]; then
        compgen -G "$check" >/dev/null && continue
    else
        command -v "$check" >/dev/null 2>&1 && continue
    fi
    missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "apt-ensure: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
echo "apt-ensure: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Other processes on the machine may hold the apt lock: wait for it rather than fail.
# DPkg::Lock::Timeout covers dpkg's lock; the package lists' lock of `update` is retried here.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && break
    [ "$attempt" = 10 ] && { echo "apt-ensure: apt-get update kept failing" >&2; exit 1; }
    echo "apt-ensure: apt-get update failed (another apt holding its lock?); trying again in 15 s" >&2
    sleep 15
done
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
