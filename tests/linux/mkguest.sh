#!/bin/bash
# Assembles the Linux test guest from Debian 12 packages only:
#   OUTDIR/vmlinuz-amd64, OUTDIR/vmlinuz-cloud   kernels of linux-image-*
#   OUTDIR/initrd.gz                             busybox-static + /init
#   OUTDIR/disk-amd64.img, OUTDIR/disk-cloud.img raw MBR disks for SeaBIOS:
#       one FAT16 partition with kernel, initrd and SYSLINUX installed
#   OUTDIR/VERSIONS                              the package versions used
# Nothing is installed on the host and nothing is mounted: the packages are
# fetched with `apt-get download` and unpacked with dpkg-deb; the disk is
# written with mkfs.fat/mtools/syslinux on the image file.
# Usage: tests/linux/mkguest.sh OUTDIR
set -euo pipefail

OUT=${1:?usage: mkguest.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
DISK_MB=48          # partition starts at 1 MiB; the rest is FAT16
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin

die() { echo "mkguest: $*" >&2; exit 1; }

need_tools() {
    local t missing=""
    for t in apt-get apt-cache dpkg-deb cpio gzip mkfs.fat mcopy syslinux; do
        command -v "$t" >/dev/null || missing="$missing $t"
    done
    [ -r "$MBR_BIN" ] || missing="$missing $MBR_BIN(syslinux-common)"
    [ -z "$missing" ] || die "missing:$missing (see scripts/deps.sh)"
}

# The newest ABI N of linux-image-6.1.0-N-FLAVOUR: what the metapackage
# (linux-image-amd64 / linux-image-cloud-amd64) depends on.
kernel_pkg() {
    local meta=$1 dep
    dep=$(apt-cache depends "$meta" 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-[a-z0-9-]*\)$/\1/p' |
          head -n1)
    if [ -z "$dep" ]; then
        dep=$(apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-${meta#linux-image-}\$" |
              awk '{print $1}' | sort -t- -k5,5n | tail -n1)
    fi
    echo "$dep"
}

# apt-get download into OUT/debs; one `apt-get update` if the lists lack it.
fetch() {
    local pkg=$1
    ls "$OUT/debs/${pkg}_"*.deb >/dev/null 2>&1 && return 0
    if ! (cd "$OUT/debs" && apt-get download -q "$pkg" >/dev/null 2>&1); then
        echo "mkguest: $pkg not in the package lists; running apt-get update" >&2
        apt-get update -q >/dev/null || die "apt-get update failed (needs root)"
        (cd "$OUT/debs" && apt-get download -q "$pkg") || die "cannot download $pkg"
    fi
}

deb_of() { ls "$OUT/debs/${1}_"*.deb | sort -V | tail -n1; }

# Only ./boot/vmlinuz-* from the kernel package: its modules are not needed
# (everything the guest uses is built in) and would be ~400 MB unpacked.
extract_kernel() {
    local pkg=$1 dst=$2 tmp
    [ -s "$dst" ] && return 0
    tmp=$(mktemp -d "$OUT/x.XXXXXX")
    dpkg-deb --fsys-tarfile "$(deb_of "$pkg")" |
        tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
    mv "$tmp"/boot/vmlinuz-* "$dst"
    rm -rf "$tmp"
}

build_initrd() {
    local root="$OUT/initramfs"
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,root}
    dpkg-deb -x "$(deb_of busybox-static)" "$OUT/busybox-pkg"
    cp "$OUT/busybox-pkg/bin/busybox" "$root/bin/busybox"
    ln -sf busybox "$root/bin/sh"
    install -m 755 "$HERE/init" "$root/init"
    (cd "$root" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc -R 0:0 --quiet) | gzip -9n > "$OUT/initrd.gz.tmp"
    mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
}

# One MBR partition entry (16 bytes) for a bootable FAT16 (LBA) partition.
# CHS fields say "use LBA" (0xfe/0xff/0xff): the 1 MiB-aligned start needs it.
mbr_entry() {
    local start=$1 count=$2
    printf '\x80\xfe\xff\xff\x0e\xfe\xff\xff'
    le32 "$start"; le32 "$count"
}
le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }

syslinux_cfg() {
    cat <<CFG
DEFAULT test
PROMPT 0
TIMEOUT 0
SERIAL 0 115200
LABEL test
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0 panic=-1
LABEL shell
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0 yl.shell=1
CFG
}

build_disk() {
    local flavour=$1 img="$OUT/disk-$1.img" tmp start=2048 sectors
    tmp="$img.tmp"
    sectors=$(((DISK_MB - 1) * 2048))
    rm -f "$tmp"
    truncate -s "${DISK_MB}M" "$tmp"
    dd if="$MBR_BIN" of="$tmp" bs=440 count=1 conv=notrunc status=none
    { mbr_entry $start $sectors; head -c 48 /dev/zero; printf '\x55\xaa'; } |
        dd of="$tmp" bs=1 seek=446 conv=notrunc status=none
    # -h: hidden sectors = the partition's LBA, which SYSLINUX adds to reach it.
    mkfs.fat -F 16 -n YLGUEST --offset $start -h $start "$tmp" $((sectors / 2)) >/dev/null
    local part="$tmp@@$((start * 512))"
    syslinux_cfg > "$OUT/syslinux.cfg"
    MTOOLS_SKIP_CHECK=1 mcopy -i "$part" "$OUT/vmlinuz-$flavour" ::/vmlinuz
    MTOOLS_SKIP_CHECK=1 mcopy -i "$part" "$OUT/initrd.gz" ::/initrd.gz
    MTOOLS_SKIP_CHECK=1 mcopy -i "$part" "$OUT/syslinux.cfg" ::/syslinux.cfg
    syslinux --offset $((start * 512)) --install "$tmp"
    mv "$tmp" "$img"
}

need_tools
mkdir -p "$OUT/debs"
KPKG_AMD64=$(kernel_pkg linux-image-amd64)
KPKG_CLOUD=$(kernel_pkg linux-image-cloud-amd64)
[ -n "$KPKG_AMD64" ] && [ -n "$KPKG_CLOUD" ] ||
    die "no linux-image-6.1.0-*-amd64 in the package lists (apt-get update?)"

# A kit already built from these packages and this /init is kept as is.
stamp="$KPKG_AMD64 $KPKG_CLOUD $(cksum < "$HERE/init") $(cksum < "$0")"
if [ -f "$OUT/VERSIONS" ] && [ "$(head -n1 "$OUT/VERSIONS")" = "# $stamp" ] &&
   [ -s "$OUT/disk-amd64.img" ] && [ -s "$OUT/disk-cloud.img" ]; then
    exit 0
fi

for p in "$KPKG_AMD64" "$KPKG_CLOUD" busybox-static; do fetch "$p"; done
extract_kernel "$KPKG_AMD64" "$OUT/vmlinuz-amd64"
extract_kernel "$KPKG_CLOUD" "$OUT/vmlinuz-cloud"
build_initrd
build_disk amd64
build_disk cloud
{
    echo "# $stamp"
    for p in "$KPKG_AMD64" "$KPKG_CLOUD" busybox-static; do
        echo "$(dpkg-deb -f "$(deb_of "$p")" Package) $(dpkg-deb -f "$(deb_of "$p")" Version)"
    done
    echo "syslinux $(dpkg-query -W -f='${Version}' syslinux 2>/dev/null || echo '?')"
} > "$OUT/VERSIONS"
echo "mkguest: guest kit in $OUT:"
sed 1d "$OUT/VERSIONS" | sed 's/^/  /'
