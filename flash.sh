#!/usr/bin/env bash
# flash.sh: build the minipbx SD-card image for a board, and write it to a card.
#
# The image: an MBR disk with a boot partition (FAT32: the Raspberry Pi firmware
# and config.txt/cmdline.txt, or syslinux on a PC), a read-only ext4 root made
# from Debian packages with the firmware in a venv, and an ext4 data partition
# (database, recordings, voicemail) that first boot grows to fill the card.
# Nothing is mounted while building: mmdebstrap fills a folder, mkfs.ext4 -d and
# mtools copy it into the image, so the build works in a container.
set -Eeuo pipefail

PROG=flash.sh
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE=bookworm  # Python 3.11 on the box, the same as the wheels we fetch for it
PY_VERSION=3.11
PY_ABI=cp311
VENV=/opt/minipbx
SERVICE_USER=minipbx
# mtools checks FAT geometry against the whole image file, which it is not.
export MTOOLS_SKIP_CHECK=1

usage() {
    cat <<EOF
Usage: ./$PROG --board boards/BOARD.toml --out IMAGE [options]
       ./$PROG --board boards/BOARD.toml --device /dev/sdX [options]
       ./$PROG --image IMAGE --device /dev/sdX [--yes]

Builds a bootable minipbx image for a board (as root: it runs mmdebstrap and
chroot) and/or writes it to an SD card or disk.

Options:
  --board FILE          board description (boards/*.toml) to build for
  --out FILE            where to write the image file; with --device and no --out
                        the image is kept in the work folder
  --device DEV          after building (or with --image), write the image to this
                        whole-disk block device (e.g. /dev/sdb, /dev/mmcblk0);
                        refuses the disk the host runs from and mounted disks
  --image FILE          write this already built image instead of building one
                        (needs --device; excludes --board and --out)
  --yes                 do not ask before overwriting --device
  --pjsua2-wheel FILE   use this pjsua2 wheel for the board's architecture
                        (pjsua2-2.16-...whl) instead of building one; without it the
                        wheel is built from source and cached (pjproject/build-wheel.sh:
                        x86_64 natively, aarch64 for the Raspberry Pi boards
                        cross-compiled, about 5 minutes the first time)
  --mirror URL          Debian mirror (default: http://deb.debian.org/debian)
  --security-mirror URL Debian security mirror
                        (default: http://deb.debian.org/debian-security)
  --data-mib N          initial size of the data partition in MiB (default 64;
                        first boot grows it to the end of the card)
  --work DIR            work folder (default: build/flash/BOARD in the repository);
                        downloaded wheels are kept there for the next build
  -h, --help            show this help and exit

Needs (Debian packages): mmdebstrap, e2fsprogs, dosfstools, mtools, fdisk,
python3 (3.11 or newer) and python3-pip, espeak-ng and sox (the system prompts);
syslinux and syslinux-common for PC boards; qemu-user-static, binfmt-support
and arch-test to build for another architecture (the aarch64 pjsua2 build installs
its cross compilers, gcc-aarch64-linux-gnu and g++-aarch64-linux-gnu, itself).

Examples:
  sudo ./$PROG --board boards/sim.toml --out build/sim.img
  sudo ./$PROG --board boards/pi4-hat.toml --out pi4.img
  sudo ./$PROG --board boards/pi4-hat.toml --pjsua2-wheel pjsua2-2.16-cp311-cp311-linux_aarch64.whl --out pi4.img
  sudo ./$PROG --image pi4.img --device /dev/sdb
EOF
}

die() {
    echo "$PROG: $*" >&2
    exit 2
}

log() {
    echo "$PROG: $*" >&2
}

need_value() {
    # $1 option name, $2 number of arguments left including the option itself
    [[ $2 -ge 2 ]] || die "$1 needs a value; see ./$PROG --help"
}

BOARD="" OUT="" DEVICE="" IMAGE="" YES=no PJSUA2_WHEEL="" WORK=""
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
DATA_MIB=64

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h|--help) usage; exit 0 ;;
            --board) need_value "$1" $#; BOARD=$2; shift 2 ;;
            --out) need_value "$1" $#; OUT=$2; shift 2 ;;
            --device) need_value "$1" $#; DEVICE=$2; shift 2 ;;
            --image) need_value "$1" $#; IMAGE=$2; shift 2 ;;
            --yes) YES=yes; shift ;;
            --pjsua2-wheel) need_value "$1" $#; PJSUA2_WHEEL=$2; shift 2 ;;
            --mirror) need_value "$1" $#; MIRROR=$2; shift 2 ;;
            --security-mirror) need_value "$1" $#; SECURITY_MIRROR=$2; shift 2 ;;
            --data-mib) need_value "$1" $#; DATA_MIB=$2; shift 2 ;;
            --work) need_value "$1" $#; WORK=$2; shift 2 ;;
            --*=*) die "write '${1%%=*} ${1#*=}' (a space, not '='); see ./$PROG --help" ;;
            *) die "unknown option '$1'; see ./$PROG --help" ;;
        esac
    done
}

check_options() {
    if [[ -n $IMAGE ]]; then
        [[ -z $BOARD && -z $OUT ]] || die "--image writes an existing image; it cannot be combined with --board or --out"
        [[ -n $DEVICE ]] || die "--image needs --device (the card to write it to)"
        [[ -f $IMAGE ]] || die "image file '$IMAGE' does not exist"
        return
    fi
    [[ -n $BOARD ]] || die "--board is required (one of: $(board_list)); see ./$PROG --help"
    [[ -n $OUT || -n $DEVICE ]] || die "say where the image goes: --out FILE and/or --device DEV"
    [[ -f $BOARD ]] || die "board file '$BOARD' does not exist; boards: $(board_list)"
    [[ $DATA_MIB =~ ^[0-9]+$ ]] || die "--data-mib '$DATA_MIB' is not a whole number of MiB"
    if [[ -n $OUT ]]; then
        [[ ! -d $OUT ]] || die "--out '$OUT' is a folder; give the image file name, e.g. $OUT/minipbx.img"
        [[ -d $(dirname -- "$OUT") ]] || die "--out '$OUT': folder $(dirname -- "$OUT") does not exist"
    fi
    if [[ -n $PJSUA2_WHEEL ]]; then
        [[ -f $PJSUA2_WHEEL ]] || die "--pjsua2-wheel '$PJSUA2_WHEEL' does not exist"
        [[ $(basename -- "$PJSUA2_WHEEL") == pjsua2-*.whl ]] \
            || die "--pjsua2-wheel '$PJSUA2_WHEEL' is not a pjsua2 wheel (pjsua2-VERSION-...whl, as pjproject/build-wheel.sh makes)"
    fi
}

board_list() {
    local names=() f
    for f in "$REPO"/boards/*.toml; do
        [[ -e $f ]] && names+=("boards/$(basename -- "$f")")
    done
    echo "${names[*]:-none found in $REPO/boards}"
}

# The board's [image] section, validated by the same Python code the tests check.
load_board_spec() {
    local spec
    spec=$(PYTHONPATH=$REPO python3 -m firmware.appliance.image_spec "$BOARD") || exit 2
    eval "$spec"
    if [[ $PJSUA2_BUILT_HERE == no && -z $PJSUA2_WHEEL ]]; then
        die "board $BOARD_ID is $ARCH: pjproject/build-wheel.sh builds pjsua2 for x86_64 and aarch64 only.
  Build pjsua2 2.16 for $WHEEL_MACHINE, Python $PY_VERSION, with pjproject/config_site.h
  (see docs/appliance.md) and pass it with --pjsua2-wheel FILE"
    fi
    if [[ -n $PJSUA2_WHEEL ]]; then
        local name
        name=$(basename -- "$PJSUA2_WHEEL")
        [[ $name == *"$WHEEL_MACHINE"* || $name == *-any.whl ]] \
            || die "--pjsua2-wheel $name is not built for $WHEEL_MACHINE (board $BOARD_ID is $ARCH)"
        [[ $name == *-"$PY_ABI"-* || $name == *-abi3-* ]] \
            || die "--pjsua2-wheel $name is not built for Python $PY_VERSION ($PY_ABI), the Python of the image"
    fi
}

check_tools() {
    local missing=() tool pkg
    local -a needs=(
        "mmdebstrap:mmdebstrap" "mkfs.ext4:e2fsprogs" "mkfs.vfat:dosfstools" "mcopy:mtools"
        "mmd:mtools" "sfdisk:fdisk" "python3:python3" "unshare:util-linux" "chroot:coreutils"
        "espeak-ng:espeak-ng" "sox:sox"
    )
    [[ ${BOOT_KIND:-} == pc ]] && needs+=("syslinux:syslinux")
    for pair in "${needs[@]}"; do
        tool=${pair%%:*} pkg=${pair#*:}
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (Debian package $pkg)")
    done
    if [[ ${BOOT_KIND:-} == pc && ! -f /usr/lib/syslinux/mbr/mbr.bin ]]; then
        missing+=("/usr/lib/syslinux/mbr/mbr.bin (Debian package syslinux-common)")
    fi
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || missing+=("python3 3.11 or newer (this one is $(python3 -V 2>&1))")
        python3 -m pip --version >/dev/null 2>&1 || missing+=("pip for python3 (Debian package python3-pip)")
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        printf '%s: missing tools:\n' "$PROG" >&2
        printf '  %s\n' "${missing[@]}" >&2
        exit 2
    fi
    local host_arch
    host_arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
    if [[ $ARCH != "$host_arch" ]]; then
        local interp=/proc/sys/fs/binfmt_misc/qemu-$WHEEL_MACHINE
        if [[ ! -e $interp ]] || ! command -v arch-test >/dev/null 2>&1; then
            die "building an $ARCH image on this $host_arch host needs qemu user emulation:
  apt-get install qemu-user-static binfmt-support arch-test (then $interp exists)"
        fi
    fi
}

check_root() {
    [[ $EUID -eq 0 ]] || die "must run as root (sudo ./$PROG ...): it builds a root file system with chroot and writes disks"
}

# ---------------------------------------------------------------- writing a card

# The disks (not partitions) behind what the host is running from: never a target.
host_disks() {
    local mnt src
    {
        for mnt in / /boot /boot/efi /usr /var /home; do
            src=$(findmnt -no SOURCE --target "$mnt" 2>/dev/null) || continue
            [[ $src == /dev/* ]] && echo "$src"
        done
        swapon --noheadings --show=NAME 2>/dev/null || true
    } | sort -u | while read -r src; do
        # lsblk -s walks from a partition, LVM or dm-crypt volume down to its disks.
        lsblk -nsro NAME,TYPE "$src" 2>/dev/null | awk '$2 == "disk" || $2 == "loop" { print "/dev/" $1 }'
    done | sort -u
}

check_device() {
    local dev=$1 real type name
    [[ -b $dev ]] || die "--device '$dev' is not a block device (give the whole card, e.g. /dev/sdb or /dev/mmcblk0)"
    real=$(readlink -f -- "$dev")
    type=$(lsblk -dno TYPE "$real" 2>/dev/null || true)
    [[ $type == disk || $type == loop ]] \
        || die "--device '$dev' is a $type, not a whole disk; give the card itself (e.g. /dev/sdb, not /dev/sdb1)"
    name=$(basename -- "$real")
    if host_disks | grep -qx -- "/dev/$name"; then
        die "--device '$dev' is the disk this computer runs from; refusing to overwrite it"
    fi
    if [[ -n $(lsblk -nro MOUNTPOINT "$real" | tr -d '[:space:]') ]]; then
        die "--device '$dev' has mounted partitions ($(lsblk -nro MOUNTPOINT "$real" | xargs)); unmount them first"
    fi
}

write_device() {
    local image=$1 dev=$2 real image_bytes dev_bytes answer
    real=$(readlink -f -- "$dev")
    image_bytes=$(stat -c %s -- "$image")
    dev_bytes=$(blockdev --getsize64 "$real")
    [[ $dev_bytes -ge $image_bytes ]] \
        || die "--device '$dev' holds $((dev_bytes / 1048576)) MiB; the image needs $((image_bytes / 1048576)) MiB"
    if [[ $YES != yes ]]; then
        local model
        model=$(lsblk -dno MODEL,SIZE "$real" 2>/dev/null | xargs || true)
        if ! { : </dev/tty; } 2>/dev/null; then
            die "no terminal to confirm overwriting '$dev'; add --yes if that is what you want"
        fi
        printf '%s: ALL DATA on %s (%s) will be erased. Type yes to continue: ' "$PROG" "$dev" "${model:-unknown}" >/dev/tty
        read -r answer </dev/tty || answer=""
        [[ $answer == yes ]] || die "not confirmed; nothing was written"
    fi
    log "writing $(basename -- "$image") to $dev"
    dd if="$image" of="$real" bs=4M conv=fsync,sparse status=progress
    blockdev --flushbufs "$real" || true
    # Let the kernel see the new table so the installer can inspect the card.
    blockdev --rereadpt "$real" 2>/dev/null || true
    log "done: $dev is ready; put it in the board and power on (first boot shows the PIN on the console)"
}

# ---------------------------------------------------------------- building

# Runs a command inside the new root with /proc and /sys mounted in a private mount
# namespace: the mounts vanish with the command, so an interrupted build leaves no
# mounts behind on the host.
in_root() {
    # shellcheck disable=SC2016  # $1 and $root belong to the inner shell
    unshare --mount --propagation private -- /bin/sh -ec '
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount -t sysfs sysfs "$root/sys"
        exec chroot "$root" "$@"
    ' in_root "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
}

fetch_wheels() {
    local wheels=$1 platforms=() glibc
    mkdir -p "$wheels"
    log "building the firmware wheel"
    rm -f "$wheels"/minipbx-*.whl
    # The web admin's Chart.js goes into the wheel with the pages (the box has no node).
    "$REPO/firmware/web/vendor.sh" || die "the web admin's Chart.js and qrcode-generator could not be fetched (see above)"
    # From a clean copy of the source: setuptools builds in the tree, and a build/
    # folder there keeps modules deleted since, which would ship in the image.
    local src=$WORK/src
    rm -rf "$src"
    mkdir -p "$src"
    tar -C "$REPO" --exclude=./build --exclude=./.venv --exclude=./.git --exclude=./data \
        --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$src" -xf -
    PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip wheel --quiet --no-deps --no-cache-dir -w "$wheels" "$src" >&2
    if [[ -z $PJSUA2_WHEEL ]]; then
        # Built once per source + config hash and cached, as `make venv` does.
        # For a Pi board (aarch64) on this x86_64 host it is cross-compiled and load-tested
        # under qemu-aarch64-static; the cross toolchain is installed when missing.
        log "pjsua2 for $WHEEL_MACHINE from source (pjproject/build-wheel.sh --arch $WHEEL_MACHINE; about 5 minutes unless cached)"
        PJSUA2_WHEEL=$("$REPO/pjproject/build-wheel.sh" --arch "$WHEEL_MACHINE") \
            || die "pjsua2 for $WHEEL_MACHINE did not build (see the step and log named above)"
    fi
    rm -f "$wheels"/pjsua2-*.whl "$wheels"/pjsua2_python-*.whl
    cp -- "$PJSUA2_WHEEL" "$wheels/"
    # Wheels for the image's Python and C library (Debian 12: glibc 2.36), whatever
    # the host runs; --only-binary because nothing compiles inside the image.
    for glibc in $(seq 36 -1 17); do
        platforms+=(--platform "manylinux_2_${glibc}_$WHEEL_MACHINE")
    done
    platforms+=(--platform "manylinux2014_$WHEEL_MACHINE" --platform "linux_$WHEEL_MACHINE")
    log "fetching wheels for $WHEEL_MACHINE (kept in $wheels)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip download --quiet --no-cache-dir --only-binary=:all: \
        --python-version "$PY_VERSION" --implementation cp --abi "$PY_ABI" --abi abi3 --abi none \
        "${platforms[@]}" --find-links "$wheels" -d "$wheels" "$wheels"/minipbx-*.whl >&2 \
        || die "could not fetch the firmware's dependencies for $WHEEL_MACHINE (see pip's message above)"
}

build_rootfs() {
    local packages components=main
    packages="systemd systemd-sysv udev dbus systemd-resolved systemd-timesyncd initramfs-tools kmod
        kamailio kamailio-sqlite-modules kamailio-presence-modules python3 python3-venv libportaudio2 sox libsox-fmt-mp3
        libssl3 libopus0 libuuid1 libstdc++6
        fdisk e2fsprogs util-linux iproute2 netbase procps ca-certificates $KERNEL_PACKAGE $BOARD_PACKAGES"
    if [[ $BOOT_KIND == raspberrypi ]]; then
        # The Pi's boot firmware (start*.elf) is in Debian's non-free-firmware.
        packages+=" raspi-firmware"
        components=main,non-free-firmware
    fi
    log "building the $ARCH root file system from Debian $SUITE (mmdebstrap)"
    rm -rf "$ROOT"
    # shellcheck disable=SC2086  # the package list is split on purpose
    mmdebstrap --quiet --variant=minbase --architectures="$ARCH" --components="$components" \
        --include="$(echo $packages | tr ' ' ',')" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-exclude=/usr/share/info/*' \
        "$SUITE" "$ROOT" \
        "deb $MIRROR $SUITE ${components//,/ }" \
        "deb $MIRROR $SUITE-updates ${components//,/ }" \
        "deb $SECURITY_MIRROR $SUITE-security ${components//,/ }" >&2
}

# The kernel's console= arguments; the last console gets the boot log and /dev/console.
console_args() {
    local c out=""
    for c in $CONSOLES; do
        case $c in
            tty[0-9]*) out+=" $c" ;;
            *) out+=" $c,115200" ;;
        esac
    done
    if [[ $1 == cmdline ]]; then
        local args=""
        for c in $out; do args+=" console=$c"; done
        echo "${args# }"
    else
        echo "${out# }"
    fi
}

install_firmware() {
    log "installing the firmware into $VENV"
    rm -rf "$ROOT/tmp/wheels"
    cp -r -- "$WHEELS" "$ROOT/tmp/wheels"
    in_root python3 -m venv "$VENV"
    in_root "$VENV/bin/python" -m pip install --quiet --no-index --no-cache-dir --disable-pip-version-check \
        --find-links /tmp/wheels minipbx >&2
    rm -rf "$ROOT/tmp/wheels"
    mkdir -p "$ROOT$VENV/share/doc/minipbx"
    cp -- "$REPO/docs/appliance.md" "$ROOT$VENV/share/doc/minipbx/"
    # The board file rides along: the PBX reads it at every start.
    mkdir -p "$ROOT/etc/minipbx"
    cp -- "$BOARD" "$ROOT/etc/minipbx/board.toml"
    # The system prompts, spoken on this host (espeak-ng stays off the box); unchanged
    # ones are kept in the work folder between builds. sox in the image converts greetings.
    PYTHONPATH=$REPO python3 -m firmware.prompts.build --out "$WORK/prompts" >&2
    mkdir -p "$ROOT/usr/share/minipbx"
    cp -r -- "$WORK/prompts" "$ROOT/usr/share/minipbx/prompts"
    # `minipbx ...` in a maintenance shell works on the box's data as the service
    # user: a root-owned sqlite -wal/-shm file would lock the PBX out of its database.
    cat >"$ROOT/usr/local/bin/minipbx" <<EOF
#!/bin/sh
# minipbx on the appliance: the box's data folder, as the service user.
case " \$* " in *" --data "*) ;; *) set -- --data /data/pbx "\$@" ;; esac
if [ "\$(id -u)" = 0 ]; then exec runuser -u $SERVICE_USER -- $VENV/bin/minipbx "\$@"; fi
exec $VENV/bin/minipbx "\$@"
EOF
    chmod 0755 "$ROOT/usr/local/bin/minipbx"
}

install_system_config() {
    log "installing systemd units and system configuration"
    local sd=$REPO/systemd
    cp -r -- "$sd/system/." "$ROOT/etc/systemd/system/"
    mkdir -p "$ROOT/etc/systemd/network" "$ROOT/etc/systemd/resolved.conf.d" "$ROOT/etc/systemd/journald.conf.d" \
        "$ROOT/etc/systemd/system.conf.d" "$ROOT/etc/tmpfiles.d" "$ROOT/etc/sysusers.d" "$ROOT/etc/udev/rules.d" \
        "$ROOT/etc/sysctl.d"
    cp -- "$sd"/network/* "$ROOT/etc/systemd/network/"
    cp -- "$sd"/resolved.conf.d/* "$ROOT/etc/systemd/resolved.conf.d/"
    cp -- "$sd"/journald.conf.d/* "$ROOT/etc/systemd/journald.conf.d/"
    cp -- "$sd"/system.conf.d/* "$ROOT/etc/systemd/system.conf.d/"
    cp -- "$sd"/tmpfiles.d/* "$ROOT/etc/tmpfiles.d/"
    cp -- "$sd"/sysusers.d/* "$ROOT/etc/sysusers.d/"
    cp -- "$sd"/udev/* "$ROOT/etc/udev/rules.d/"
    cp -- "$sd"/sysctl.d/* "$ROOT/etc/sysctl.d/"

    mkdir -p "$ROOT/etc/systemd/system/minipbx.service.d"
    cat >"$ROOT/etc/systemd/system/minipbx.service.d/capacity.conf" <<EOF
# Written by flash.sh for board $BOARD_ID ($BOARD_NAME): about 2 descriptors per
# call leg at its capacity, plus the brain's and Kamailio's own.
[Service]
LimitNOFILE=$LIMIT_NOFILE
EOF

    # Users exist before first boot: /etc is read-only on the box.
    in_root systemd-sysusers >&2

    echo minipbx >"$ROOT/etc/hostname"
    cat >"$ROOT/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	minipbx
::1		localhost ip6-localhost ip6-loopback
EOF
    ln -sf /run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"
    cat >"$ROOT/etc/fstab" <<EOF
# Written by flash.sh. Root is read-only: a power cut cannot damage the system.
PARTUUID=$ROOT_PARTUUID  /              ext4   ro,noatime                        0 1
PARTUUID=$BOOT_PARTUUID  /boot/firmware vfat   ro,noatime,umask=0077            0 0
# Data: checked at every boot (fsck replays the journal after a power cut);
# sqlite's WAL with synchronous=FULL makes each committed row durable.
PARTUUID=$DATA_PARTUUID  /data          ext4   rw,noatime,nodev,nosuid           0 2
# The PBX's runtime files (control socket, Kamailio's generated config and pid file)
# in RAM: a pid file left by a power cut must not stop Kamailio at the next boot.
tmpfs                    /data/pbx/run  tmpfs  mode=0750,nosuid,nodev,size=16M,x-systemd.requires-mounts-for=/data 0 0
# systemd's state (random seed, clock for time sync, timer stamps) on the data partition.
/data/system/var-lib-systemd /var/lib/systemd none bind,x-systemd.requires-mounts-for=/data,nofail 0 0
tmpfs                    /tmp           tmpfs  mode=1777,nosuid,nodev,size=64M   0 0
tmpfs                    /var/tmp       tmpfs  mode=1777,nosuid,nodev,size=32M   0 0
tmpfs                    /var/log       tmpfs  mode=0755,nosuid,nodev,size=16M   0 0
EOF
    mkdir -p "$ROOT/data" "$ROOT/boot/firmware"

    in_root systemctl enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
        minipbx.service minipbx-firstboot.service minipbx-selftest.service minipbx-grow-data.service \
        minipbx-renew-pin.path minipbx-reboot.path >&2
    local c
    for c in $CONSOLES; do
        in_root systemctl enable "minipbx-console@$c.service" >&2
    done
    # Debian's kamailio.service would take port 5060 from the PBX's own edge; the
    # login prompts are replaced by the console; apt never runs on a read-only root.
    in_root systemctl mask kamailio.service getty@.service serial-getty@.service autovt@.service \
        apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service >&2

    # A machine ID baked into the image would be shared by every box; empty means
    # systemd makes a new one at each boot (the root cannot store one).
    : >"$ROOT/etc/machine-id"
    rm -f "$ROOT/var/lib/dbus/machine-id"
    rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin "$ROOT/var/log/"*
}

# The data partition's first contents: the seed of systemd's state folder.
stage_data() {
    rm -rf "$DATA_STAGE"
    mkdir -p "$DATA_STAGE/system"
    cp -a -- "$ROOT/var/lib/systemd" "$DATA_STAGE/system/var-lib-systemd"
}

boot_files_pc() {
    local kernel initrd
    kernel=$(find "$ROOT/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n1)
    initrd=$(find "$ROOT/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n1)
    [[ -n $kernel && -n $initrd ]] || die "the kernel package $KERNEL_PACKAGE left no vmlinuz/initrd.img in /boot"
    cp -- "$kernel" "$BOOT_STAGE/vmlinuz"
    cp -- "$initrd" "$BOOT_STAGE/initrd.img"
    local serial_unit=""
    local c
    for c in $CONSOLES; do
        [[ $c == ttyS[0-9]* ]] && serial_unit=${c#ttyS}
    done
    {
        echo "# Written by flash.sh: boot the one kernel straight away."
        [[ -n $serial_unit ]] && echo "SERIAL $serial_unit 115200"
        echo "DEFAULT minipbx"
        echo "PROMPT 0"
        echo "TIMEOUT 0"
        echo "LABEL minipbx"
        echo "  LINUX /vmlinuz"
        echo "  INITRD /initrd.img"
        echo "  APPEND root=PARTUUID=$ROOT_PARTUUID ro rootwait fsck.repair=yes panic=10 quiet $(console_args cmdline)"
    } >"$BOOT_STAGE/syslinux.cfg"
}

boot_files_raspberrypi() {
    [[ -f $ROOT/boot/firmware/config.txt ]] \
        || die "raspi-firmware did not populate /boot/firmware (is $KERNEL_PACKAGE an arm64 kernel package?)"
    cp -r -- "$ROOT/boot/firmware/." "$BOOT_STAGE/"
    local kernel initrd
    kernel=$(find "$BOOT_STAGE" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n1)
    initrd=$(find "$BOOT_STAGE" -maxdepth 1 -name 'initrd.img-*' -printf '%f\n' | sort -V | tail -n1)
    # Our own config.txt and cmdline.txt: the hook decides Pi 4 settings by looking
    # at the machine it runs on (the build host here), and always mounts root rw.
    cat >"$BOOT_STAGE/config.txt" <<EOF
# Written by flash.sh for board $BOARD_ID ($BOARD_NAME).
arm_64bit=1
# The serial console. On a Pi 3/4 this also fixes the core clock, which the mini
# UART's baud rate follows.
enable_uart=1
# Debian's kernel: upstream device tree names (bcm2711-rpi-4-b.dtb ...).
upstream_kernel=1
kernel=$kernel
initramfs $initrd
EOF
    echo "$(console_args cmdline) root=PARTUUID=$ROOT_PARTUUID ro rootwait fsck.repair=yes net.ifnames=0 panic=10 quiet" \
        >"$BOOT_STAGE/cmdline.txt"
}

assemble_image() {
    local image=$1 root_bytes root_files
    root_bytes=$(du -sB1 -- "$ROOT" | cut -f1)
    root_files=$(find "$ROOT" -xdev | wc -l)
    local plan
    plan=$(PYTHONPATH=$REPO python3 -m firmware.appliance.partitions plan --boot "$BOOT_KIND" --label-id "$DISK_ID" \
        --root-content-bytes "$root_bytes" --root-files "$root_files" --data-mib "$DATA_MIB" \
        --sfdisk "$WORK/layout.sfdisk") || exit 2
    # Sets IMAGE_BYTES, DISK_ID, ROOT_INODES and {BOOT,ROOT,DATA}_{OFFSET,BYTES,PARTUUID}.
    eval "$plan"
    # shellcheck disable=SC2153  # set by the eval above
    local image_bytes=$IMAGE_BYTES root_bytes_fs=$ROOT_BYTES
    [[ $ROOT_PARTUUID == "$PLANNED_ROOT_PARTUUID" ]] || die "internal: partition IDs changed between plan and build"
    log "assembling $(basename -- "$image"): $((image_bytes / 1048576)) MiB"
    rm -f -- "$image"
    truncate -s "$image_bytes" -- "$image"
    sfdisk --quiet "$image" <"$WORK/layout.sfdisk" >&2

    # One sector per cluster: mkfs.fat sizes clusters for the whole image file,
    # which would leave a small FAT32 below its minimum cluster count.
    local out
    out=$(mkfs.vfat -F 32 -s 1 -S 512 -n MINIPBXBOOT -i "$DISK_ID" --offset $((BOOT_OFFSET / 512)) \
        "$image" $((BOOT_BYTES / 1024)) 2>&1) || die "mkfs.vfat failed: $out"
    (cd "$BOOT_STAGE" && mcopy -s -i "$image@@$BOOT_OFFSET" ./* ::/)
    if [[ $BOOT_KIND == pc ]]; then
        # syslinux writes its loader into the FAT through mtools (no mount); the MBR
        # code boots the partition marked bootable.
        syslinux --install --offset "$BOOT_OFFSET" "$image"
        dd if=/usr/lib/syslinux/mbr/mbr.bin of="$image" bs=440 count=1 conv=notrunc status=none
    fi
    # Root: no reserved blocks (nobody writes to it), enough inodes for Python trees.
    mkfs.ext4 -q -F -L minipbx-root -m 0 -N "$ROOT_INODES" -d "$ROOT" -E offset="$ROOT_OFFSET" \
        "$image" "$((root_bytes_fs / 1024))k"
    mkfs.ext4 -q -F -L minipbx-data -d "$DATA_STAGE" -E offset="$DATA_OFFSET" "$image" "$((DATA_BYTES / 1024))k"
}

build_image() {
    local image=$1
    WORK=${WORK:-$REPO/build/flash/$BOARD_ID}
    mkdir -p "$WORK"
    WORK=$(cd "$WORK" && pwd)
    ROOT=$WORK/rootfs
    WHEELS=$WORK/wheels-$WHEEL_MACHINE
    BOOT_STAGE=$WORK/boot
    DATA_STAGE=$WORK/data

    # The partition IDs go into fstab and the kernel command line before the
    # root's size (and so the layout) is known: draw the disk ID first.
    local id
    id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
    [[ $id != 00000000 ]] || id=00000001
    DISK_ID=$id
    BOOT_PARTUUID=$id-01 ROOT_PARTUUID=$id-02 DATA_PARTUUID=$id-03
    PLANNED_ROOT_PARTUUID=$ROOT_PARTUUID

    fetch_wheels "$WHEELS"
    build_rootfs
    install_firmware
    install_system_config
    stage_data
    rm -rf "$BOOT_STAGE"
    mkdir -p "$BOOT_STAGE"
    "boot_files_$BOOT_KIND"
    assemble_image "$image"
}

main() {
    # Name the step that failed: set -e alone exits without a word.
    trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
    parse_args "$@"
    [[ $# -gt 0 ]] || { usage >&2; exit 2; }
    check_options
    if [[ -n $IMAGE ]]; then
        check_root
        check_device "$DEVICE"
        write_device "$IMAGE" "$DEVICE"
        return
    fi
    load_board_spec
    check_root
    check_tools
    [[ -z $DEVICE ]] || check_device "$DEVICE"

    local started=$SECONDS
    TARGET=${OUT:-${WORK:-$REPO/build/flash/$BOARD_ID}/$BOARD_ID.img}
    mkdir -p "$(dirname -- "$TARGET")"
    TARGET=$(cd "$(dirname -- "$TARGET")" && pwd)/$(basename -- "$TARGET")
    # Built under a temporary name: a failed build leaves no image that looks whole.
    trap 'rm -f -- "$TARGET.partial"' EXIT
    build_image "$TARGET.partial"
    mv -f -- "$TARGET.partial" "$TARGET"
    trap - EXIT
    log "built $TARGET for $BOARD_NAME ($ARCH) in $((SECONDS - started)) s"
    [[ -z $DEVICE ]] || write_device "$TARGET" "$DEVICE"
}

main "$@"
