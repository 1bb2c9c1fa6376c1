# Sourced by build-wheel.sh --arch aarch64: what cross-compiling pjsua2 for the Raspberry
# Pi (Debian arm64, Python 3.11) on an x86_64 Debian host needs. cross_prepare installs
# Debian's cross compilers and qemu-user-static when missing, makes the arm64 sysroot
# (aarch64-sysroot.sh) and sets the variables build-wheel.sh's steps read:
#   CROSS_CONFIGURE       pjproject's configure options (--host, --with-ssl)
#   CROSS_CFLAGS/LDFLAGS  headers and libraries from the sysroot
#   CROSS_ENV             the environment of the Python module's build: the host's
#                         python3.11 reading the target's sysconfig, the cross compilers
#   CROSS_MODULE_CFLAGS   the target's Python headers
#   CROSS_PREFIX          of the binutils (strip)
#   TARGET_PYTHON         the target's python3.11 under qemu-aarch64-static, for the load test
# (measurements: ../shared/docs/pjproject-build.md, "aarch64").

TRIPLET=aarch64-linux-gnu
CROSS_PREFIX=$TRIPLET-
CROSS_PACKAGES=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static)
# Measured on a 2-core host shared with other work: 3.5 minutes, like the native build.
BUILD_MINUTES=4

# Installs what is missing with apt-get (as root, or through sudo), so a fresh CI machine
# needs nothing done by hand.
cross_install_tools() {
    local missing=() pkg
    for pkg in "${CROSS_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    local log=$CACHE/cross-apt.log began=$SECONDS
    say "installing the cross toolchain: ${missing[*]} (log $log)"
    { "${sudo[@]}" apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        >"$log" 2>&1 || { tail -n 15 "$log" >&2; die "installing ${missing[*]} failed; full log: $log"; }
    say "cross toolchain installed in $((SECONDS - began)) s"
}

cross_prepare() {
    cross_install_tools
    local sysroot
    sysroot=$("$HERE/aarch64-sysroot.sh" --cache "$CACHE") || die "the arm64 sysroot could not be made (see above)"
    local host_py target_py
    host_py=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    target_py=$(cd "$sysroot" && ls -d usr/include/python3.* | sed 's|.*/python||' | head -n1)
    [[ $host_py == "$target_py" ]] \
        || die "--python $PYTHON is Python $host_py, the arm64 target's is $target_py: the module needs the same version"
    # The target's sysconfig alone on PYTHONPATH (the whole target stdlib would shadow the host's).
    local sysconfig_dir=$CACHE/sysconfig-aarch64
    local sysconfig_name=_sysconfigdata__linux_$TRIPLET
    mkdir -p "$sysconfig_dir"
    cp "$sysroot/usr/lib/python$target_py/$sysconfig_name.py" "$sysconfig_dir/" \
        || die "the arm64 sysroot $sysroot has no $sysconfig_name.py"

    local lib="$sysroot/usr/lib/$TRIPLET" base="$sysroot/lib/$TRIPLET"
    CROSS_CFLAGS="-I$sysroot/usr/include/$TRIPLET -I$sysroot/usr/include"
    CROSS_LDFLAGS="-L$lib -L$base -Wl,-rpath-link,$lib -Wl,-rpath-link,$base"
    # Without --with-ssl configure silently drops TLS when cross-compiling.
    CROSS_CONFIGURE=(--host="$TRIPLET" --with-ssl="$sysroot/usr")
    CROSS_MODULE_CFLAGS="-I$sysroot/usr/include/python$target_py -I$sysroot/usr/include/$TRIPLET/python$target_py $CROSS_CFLAGS"
    CROSS_ENV=(
        _PYTHON_SYSCONFIGDATA_NAME="$sysconfig_name" PYTHONPATH="$sysconfig_dir"
        _PYTHON_HOST_PLATFORM=linux-aarch64
        CC="${CROSS_PREFIX}gcc" CXX="${CROSS_PREFIX}g++" LDSHARED="${CROSS_PREFIX}gcc -shared"
        LDFLAGS="$CROSS_LDFLAGS"
    )
    TARGET_PYTHON=(qemu-aarch64-static -L "$sysroot" "$sysroot/usr/bin/python$target_py")
}
