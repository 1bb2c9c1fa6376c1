#!/usr/bin/env bash
# Builds pjsua2 (pjproject's C libraries + the SWIG Python module) as a wheel from the
# pinned pjproject source with our config_site.h, and caches it.
#
#   pjproject/build-wheel.sh [--arch x86_64|aarch64] [--cache DIR] [--jobs N] [--python PY] [--cached-only]
#
# Our patches (patches/*.patch, each says why) are applied to the source first.
# Prints the wheel's path on stdout (progress goes to stderr). The wheel is kept in
# DIR/<key>/, the key being a hash of the source, config_site.h, the patches, these
# scripts, the Python and the architecture it is built for: a second run with nothing
# changed returns at once. --arch aarch64 on an x86_64 host cross-compiles the Raspberry
# Pi's linux_aarch64 wheel (cross-aarch64.sh; it installs the cross compilers and
# qemu-user-static when missing) and load-tests it under qemu-aarch64-static.
# --cached-only prints the cached wheel or exits 3 without building.
# Why from source: the registries' pjsua2 holds 4 calls per process and has no
# aarch64 build (../shared/docs/pjproject-build.md has the measurements).
set -euo pipefail

PJ_VERSION=2.16
TARBALL_NAME=pjproject-$PJ_VERSION.tar.gz
# SHA-256 of the un-gzipped tar: the vendored file and the release archive are the
# same `git archive` of the tag (commit 6cab30cec44af36ba7c8a45ff7af2f74a8ed288c),
# while their gzip streams may differ, so the tar is what is pinned.
PINNED_TAR_SHA256=5729eff10478f7803744eebc3fd6c66e57430ba508e9c5bb8dc1c3c77402c80a
RELEASE_URL=https://github.com/pjsip/pjproject/archive/refs/tags/$PJ_VERSION.tar.gz

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CACHE=${PJSUA2_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minipbx/pjsua2}
JOBS=2
PYTHON=""
HOST_ARCH=$(uname -m)
ARCH=$HOST_ARCH
CACHED_ONLY=no

die() { echo "pjsua2 build: $*" >&2; exit 1; }
say() { echo "pjsua2 build: $*" >&2; }

while (($#)); do
    case $1 in
        --cache) CACHE=${2:?--cache needs a directory}; shift 2 ;;
        --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
        --python) PYTHON=${2:?--python needs an interpreter}; shift 2 ;;
        --arch) ARCH=${2:?--arch needs x86_64 or aarch64}; shift 2 ;;
        --cached-only) CACHED_ONLY=yes; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
        *) die "unknown option '$1' (accepted: --arch x86_64|aarch64, --cache DIR, --jobs N, --python PY, --cached-only)" ;;
    esac
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs '$JOBS' is not a positive number"
case $ARCH in
    "$HOST_ARCH") CROSS=no ;;
    aarch64)
        [[ $HOST_ARCH == x86_64 ]] || die "--arch aarch64 cross-compiles on an x86_64 host only (this is $HOST_ARCH)"
        CROSS=yes ;;
    *) die "--arch '$ARCH' is not built here (accepted: $HOST_ARCH, aarch64)" ;;
esac
if [[ $CROSS == yes ]]; then
    # The host's Debian Python: the same 3.11 and the same build as the target's, whose
    # sysconfig it reads to build the module (cross-aarch64.sh).
    PYTHON=${PYTHON:-/usr/bin/python3.11}
    # shellcheck source=cross-aarch64.sh
    source "$HERE/cross-aarch64.sh"
fi
PYTHON=${PYTHON:-python3}
# What a native build leaves empty; cross_prepare fills them.
CROSS_CONFIGURE=() CROSS_ENV=() TARGET_PYTHON=("$PYTHON")
command -v "$PYTHON" >/dev/null || die "no Python interpreter '$PYTHON'"
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

tar_sha256() { gzip -dc -- "$1" | sha256sum | cut -d' ' -f1; }

# The source: ../shared/vendor beside the project (PJPROJECT_TARBALL overrides), else
# the release archive, downloaded once into the cache. Either must match the pin.
find_source() {
    local candidates=("${PJPROJECT_TARBALL:-}" "$ROOT/../shared/vendor/$TARBALL_NAME" "$CACHE/downloads/$TARBALL_NAME")
    local path
    for path in "${candidates[@]}"; do
        [[ -n $path && -f $path ]] && { echo "$path"; return; }
    done
    [[ -n ${PJPROJECT_TARBALL:-} ]] && die "PJPROJECT_TARBALL=$PJPROJECT_TARBALL does not exist"
    path=$CACHE/downloads/$TARBALL_NAME
    mkdir -p "$CACHE/downloads"
    say "no $TARBALL_NAME in $ROOT/../shared/vendor; downloading $RELEASE_URL"
    local offline="download of $RELEASE_URL failed; without internet, put $TARBALL_NAME in"
    offline+=" $ROOT/../shared/vendor or name it with PJPROJECT_TARBALL=FILE"
    if command -v curl >/dev/null; then
        curl -fL --retry 3 -o "$path.part" "$RELEASE_URL" >&2 || die "$offline"
    elif command -v wget >/dev/null; then
        wget -O "$path.part" "$RELEASE_URL" >&2 || die "$offline"
    else
        "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
            "$RELEASE_URL" "$path.part" || die "$offline"
    fi
    # Checked before it takes the cache's name, so a bad download is never reused.
    local got
    got=$(tar_sha256 "$path.part") || { rm -f "$path.part"; die "$RELEASE_URL is not a gzip tar"; }
    if [[ $got != "$PINNED_TAR_SHA256" ]]; then
        rm -f "$path.part"
        die "$RELEASE_URL: SHA-256 of its tar is $got, expected $PINNED_TAR_SHA256; refusing to build from it"
    fi
    mv "$path.part" "$path"
    echo "$path"
}

SOURCE=$(find_source)
SOURCE_SHA=$(tar_sha256 "$SOURCE") || die "$SOURCE is not a gzip tar"
[[ $SOURCE_SHA == "$PINNED_TAR_SHA256" ]] \
    || die "$SOURCE: SHA-256 of its tar is $SOURCE_SHA, expected $PINNED_TAR_SHA256; refusing to build from it"

# Opus is built in when libopus-dev is there (configure detects it; `--enable-opus`
# would skip the detection); the choice is part of the key.
# The aarch64 sysroot always has libopus-dev (aarch64-sysroot.sh).
if [[ $CROSS == yes ]] || pkg-config --exists opus 2>/dev/null; then
    OPUS=opus OPUS_FLAGS=() CODECS="PCMU PCMA G722 opus"
else
    OPUS=no-opus OPUS_FLAGS=(--disable-opus) CODECS="PCMU PCMA G722"
fi
PY_TARGET=$("$PYTHON" -c 'import sys, sysconfig; print(sys.implementation.cache_tag, sysconfig.get_platform())')
[[ $CROSS == yes ]] && PY_TARGET="${PY_TARGET% *} linux-$ARCH"
KEY_FILES=("$HERE/config_site.h" "$HERE/build-wheel.sh" "$HERE/load_test.py" "$HERE"/patches/*.patch)
[[ $CROSS == yes ]] && KEY_FILES+=("$HERE/cross-aarch64.sh" "$HERE/aarch64-sysroot.sh")
KEY=$( { echo "$SOURCE_SHA"; cat "${KEY_FILES[@]}"; echo "$OPUS $PY_TARGET"; } | sha256sum | cut -c1-16)
OUT=$CACHE/$KEY

cached_wheel() { compgen -G "$OUT/pjsua2-$PJ_VERSION-*.whl" | head -n1; }
if wheel=$(cached_wheel) && [[ -n $wheel ]]; then
    echo "$wheel"
    exit 0
fi
if [[ $CACHED_ONLY == yes ]]; then
    say "no pjsua2 wheel for $PY_TARGET in $OUT yet (pjproject/build-wheel.sh --arch $ARCH builds it)"
    exit 3
fi

# One build per cache at a time: a second `make` (another checkout sharing the cache)
# waits here and then finds the wheel the first one made.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
    say "another build of pjsua2 is running in $CACHE; waiting for it"
    flock 9
fi
if wheel=$(cached_wheel) && [[ -n $wheel ]]; then
    echo "$wheel"
    exit 0
fi
# Under the lock: two builds would run apt-get at once.
if [[ $CROSS == yes ]]; then cross_prepare; fi

WORK=$CACHE/build-$KEY
LOGS=$WORK/logs
rm -rf "$WORK"
mkdir -p "$LOGS"
SRC=$WORK/pjproject-$PJ_VERSION
PYDIR=$SRC/pjsip-apps/src/swig/python
STEPS=8
STEP=0
START=$SECONDS
say "building pjsua2 $PJ_VERSION for $PY_TARGET ($OPUS, -j$JOBS); the first build takes about ${BUILD_MINUTES:-5} minutes"
say "source $SOURCE (tar sha256 $SOURCE_SHA), logs in $LOGS"

# Runs one step with its output in its own log; a failure names the step and the log.
step() {
    local name=$1 hint=$2
    shift 2
    STEP=$((STEP + 1))
    local log
    log=$LOGS/$STEP-${name// /-}.log
    local began=$SECONDS
    say "[$STEP/$STEPS] $name ($hint)..."
    # errexit is ignored inside `if`/`||`, so the step's own `set -e` runs in a subshell
    # whose status is read afterwards: a failing command stops its step.
    set +e
    (set -e; "$@") >"$log" 2>&1
    local status=$?
    set -e
    if ((status != 0)); then
        tail -n 25 "$log" >&2
        die "step $STEP/$STEPS '$name' failed (exit $status) after $((SECONDS - began)) s; full log: $log"
    fi
    say "[$STEP/$STEPS] $name done in $((SECONDS - began)) s (total $((SECONDS - START)) s)"
}

unpack() {
    tar -xzf "$SOURCE" -C "$WORK"
    cp "$HERE/config_site.h" "$SRC/pjlib/include/pj/config_site.h"
    local fix
    for fix in "$HERE"/patches/*.patch; do
        echo "applying $(basename "$fix")"
        patch -d "$SRC" -p1 --forward --batch <"$fix"
    done
}

configure() {
    # Static, position-independent libraries linked into the Python module. Video,
    # sound devices and the media libraries we do not use are off; speex AEC goes
    # with the speex codec (upstream fails to link otherwise).
    cd "$SRC"
    CFLAGS="-O2 -fPIC ${CROSS_CFLAGS:-}" CXXFLAGS="-O2 -fPIC ${CROSS_CFLAGS:-}" LDFLAGS="${CROSS_LDFLAGS:-}" \
        ./configure "${CROSS_CONFIGURE[@]}" --enable-epoll --disable-video --disable-sound "${OPUS_FLAGS[@]}" \
        --disable-sdl --disable-ffmpeg --disable-v4l2 --disable-openh264 --disable-vpx \
        --disable-libyuv --disable-libwebrtc --disable-upnp --disable-opencore-amr \
        --disable-silk --disable-bcg729 --disable-lyra --disable-android-mediacodec \
        --disable-gsm-codec --disable-ilbc-codec --disable-speex-codec --disable-speex-aec \
        --disable-g7221-codec --disable-l16-codec
    grep -q "PJ_HAS_SSL_SOCK 1" pjlib/include/pj/compat/os_auto.h \
        || { echo "configure found no OpenSSL (libssl-dev)"; return 1; }
}

build_module() {
    cd "$PYDIR"
    # -g0: Debian's sysconfig adds -g, which makes the one huge wrapper file slow to
    # compile and its .so five times larger.
    # A cross build reads the target's sysconfig (CROSS_ENV, cross-aarch64.sh).
    env "${CROSS_ENV[@]}" CFLAGS="-g0 ${CROSS_MODULE_CFLAGS:-}" "$PYTHON" setup.py build_ext
    find build -name '_pjsua2*.so' -exec "${CROSS_PREFIX:-}strip" --strip-unneeded {} +
}

make_wheel() {
    # bdist_wheel needs the `wheel` package, which a pyenv or python.org Python lacks:
    # a throw-away venv of the same interpreter has it (the tag stays the same).
    "$PYTHON" -m venv "$WORK/wheel-venv"
    "$WORK/wheel-venv/bin/python" -m pip install -q "setuptools>=66" "wheel>=0.38"
    cd "$PYDIR"
    env "${CROSS_ENV[@]}" "$WORK/wheel-venv/bin/python" setup.py bdist_wheel --dist-dir "$WORK/dist"
}

smoke_test() {
    # Imports the module from the wheel and starts the library (load_test.py), on the
    # target's Python: under qemu-aarch64-static in the sysroot for a cross build.
    local site=$WORK/smoke
    "$PYTHON" -m zipfile -e "$WORK"/dist/pjsua2-*.whl "$site"
    cd "$WORK" && PYTHONPATH=$site "${TARGET_PYTHON[@]}" "$HERE/load_test.py" "$CODECS"
}

step "unpack" "1 s" unpack
step "configure" "5 s" configure
step "make dep" "15 s" make -C "$SRC" -j"$JOBS" dep
step "make" "1-2 min" make -C "$SRC" -j"$JOBS"
step "swig" "10 s" make -C "$PYDIR" PYTHON_EXE="$PYTHON" pjsua2_wrap.cpp
step "python module" "2-3 min, one compiler using 1.6 GB" build_module
step "wheel" "10 s" make_wheel

step "load test" "2 s" smoke_test
say "$(grep '^codecs:' "$LOGS/$STEP-load-test.log")"

# The wheel and the logs move into place in one rename, so a half-written cache
# entry never exists; the source tree (~500 MB) goes.
STAGE=$WORK/out
mkdir -p "$STAGE"
mv "$WORK"/dist/pjsua2-*.whl "$STAGE/"
cp -r "$LOGS" "$STAGE/logs"
rm -rf "$OUT"
mv "$STAGE" "$OUT"
rm -rf "$WORK"
wheel=$(cached_wheel)
say "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1)) in $((SECONDS - START)) s"
echo "$wheel"
