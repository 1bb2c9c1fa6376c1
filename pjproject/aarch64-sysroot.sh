#!/usr/bin/env bash
# Makes (once) the arm64 Debian tree that pjproject/build-wheel.sh --arch aarch64 compiles
# against and that the aarch64 wheel's load test runs in under qemu-aarch64-static:
# the target's headers and libraries (Python 3.11, OpenSSL, libuuid, Opus, libstdc++)
# and its python3.11 with the libraries it needs.
#
#   pjproject/aarch64-sysroot.sh [--cache DIR]
#
# Prints the tree's path on stdout (progress goes to stderr); a second run returns at once.
# The host is left as it was: the arm64 packages come from a private apt state in DIR
# (its own package lists, an empty dpkg status), are unpacked with dpkg-deb -x and never
# installed, so dpkg never gets the arm64 architecture and no amd64 package is upgraded.
set -euo pipefail

# What the wheel is built against and what its load test runs; apt adds their dependencies.
PACKAGES=(libpython3.11-dev python3.11-minimal libpython3.11-stdlib libssl-dev uuid-dev libopus-dev libstdc++6)
# Left out: the C library's headers and link scripts come with the cross compiler
# (libc6-dev-arm64-cross, the same glibc); the target's, whose libc.so names absolute
# /lib paths, would make the linker look for the target's libc on the host.
SKIP=(libc6-dev linux-libc-dev)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${PJSUA2_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minipbx/pjsua2}

die() { echo "aarch64 sysroot: $*" >&2; exit 1; }
say() { echo "aarch64 sysroot: $*" >&2; }

while (($#)); do
    case $1 in
        --cache) CACHE=${2:?--cache needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
        *) die "unknown option '$1' (accepted: --cache DIR)" ;;
    esac
done
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

KEY=$( { echo "${PACKAGES[*]} -${SKIP[*]}"; cat "$HERE/aarch64-sysroot.sh"; } | sha256sum | cut -c1-16)
OUT=$CACHE/sysroot-aarch64-$KEY
# The tree is complete once its python3.11 is there: it is moved into place in one rename.
[[ -x $OUT/usr/bin/python3.11 ]] && { echo "$OUT"; exit 0; }

exec 8>"$CACHE/.sysroot-lock"
flock 8
[[ -x $OUT/usr/bin/python3.11 ]] && { echo "$OUT"; exit 0; }

WORK=$CACHE/sysroot-build-$KEY
rm -rf "$WORK"
mkdir -p "$WORK"/apt/lists/partial "$WORK"/apt/cache/archives/partial "$WORK/tree"
touch "$WORK/apt/status"
APT=(apt-get -q -o APT::Architecture=arm64 -o APT::Architectures::=arm64
     -o Dir::State::Lists="$WORK/apt/lists" -o Dir::State::status="$WORK/apt/status"
     -o Dir::Cache="$WORK/apt/cache" -o Debug::NoLocking=1)
LOG=$WORK/apt.log
began=$SECONDS
say "downloading the arm64 packages (${PACKAGES[*]} and their dependencies) into $OUT; log $LOG"
"${APT[@]}" update >"$LOG" 2>&1 \
    || { tail -n 15 "$LOG" >&2; die "apt-get update of the arm64 package lists failed; full log: $LOG"; }
"${APT[@]}" install --download-only -y --no-install-recommends "${PACKAGES[@]}" >>"$LOG" 2>&1 \
    || { tail -n 15 "$LOG" >&2; die "downloading the arm64 packages failed; full log: $LOG"; }
count=0
for deb in "$WORK"/apt/cache/archives/*.deb; do
    [[ " ${SKIP[*]} " == *" $(dpkg-deb -f "$deb" Package) "* ]] && continue
    dpkg-deb -x "$deb" "$WORK/tree" || die "unpacking $(basename "$deb") failed"
    count=$((count + 1))
done
[[ -x $WORK/tree/usr/bin/python3.11 ]] || die "the arm64 packages hold no usr/bin/python3.11; log: $LOG"
rm -rf "$OUT"
mv "$WORK/tree" "$OUT"
rm -rf "$WORK"
say "$count arm64 packages unpacked in $((SECONDS - began)) s ($(du -sh "$OUT" | cut -f1))"
echo "$OUT"
