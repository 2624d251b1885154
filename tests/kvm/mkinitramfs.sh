#!/bin/bash
# Assembles the outer guest of the nested KVM test from Debian packages:
#   OUTDIR/vmlinuz          the kernel of linux-image-6.1.0-N-cloud-amd64
#   OUTDIR/initramfs.gz     busybox-static, that kernel's kvm modules,
#                           yinglong with its shared libraries and loader,
#                           the guest programs, the inner Linux kit, /init
# The packages come from the Linux guest kit's cache (tests/linux/mkguest.sh
# fetches them with apt-get download); nothing is installed or mounted.
# Usage: tests/kvm/mkinitramfs.sh OUTDIR LINUX_KIT YINGLONG GUEST_PROGRAM...
set -euo pipefail

OUT=${1:?usage: mkinitramfs.sh OUTDIR LINUX_KIT YINGLONG PROGRAM...}
KIT=${2:?}
YL=${3:?}
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

deb_of() {
    local d
    # shellcheck disable=SC2086  # $1 is a glob
    d=$(ls "$KIT"/debs/${1}_*.deb 2>/dev/null | sort -V | tail -n1)
    [ -n "$d" ] || die "no $1 package in $KIT/debs (run make linux-guest)"
    echo "$d"
}

# The cloud flavour boots fastest and its kvm-amd.ko needs only kvm.ko
# (the generic one also wants ccp.ko); kvm.ko needs irqbypass.ko.
KDEB=$(deb_of 'linux-image-6.1.0-*-cloud-amd64')
rm -rf "$OUT/root" "$OUT/kpkg"
mkdir -p "$OUT/kpkg" "$OUT/root"/{bin,dev,proc,sys,tmp,lib/modules,guest,linux}
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$OUT/kpkg" --wildcards \
    './boot/vmlinuz-*' './lib/modules/*/kernel/arch/x86/kvm/kvm.ko*' \
    './lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko*' \
    './lib/modules/*/kernel/virt/lib/irqbypass.ko*'
cp "$OUT"/kpkg/boot/vmlinuz-* "$OUT/vmlinuz"
for m in irqbypass kvm kvm-amd; do
    f=$(find "$OUT/kpkg/lib/modules" -name "$m.ko*" | head -n1)
    [ -n "$f" ] || die "$m.ko not in $KDEB"
    case "$f" in    # busybox insmod takes plain ELF modules only
    *.xz) xz -dc "$f" > "$OUT/root/lib/modules/$m.ko" ;;
    *.zst) zstd -qdc "$f" > "$OUT/root/lib/modules/$m.ko" ;;
    *) cp "$f" "$OUT/root/lib/modules/$m.ko" ;;
    esac
done

dpkg-deb -x "$(deb_of busybox-static)" "$OUT/kpkg/busybox"
cp "$OUT/kpkg/busybox/bin/busybox" "$OUT/root/bin/busybox"
ln -sf busybox "$OUT/root/bin/sh"

# yinglong is dynamically linked: its libraries and the loader come along,
# at the paths the loader looks for them.
cp "$YL" "$OUT/root/bin/yinglong"
ldd "$YL" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
    mkdir -p "$OUT/root$(dirname "$lib")"
    cp -L "$lib" "$OUT/root$lib"
done

# A program's "; RUN-OPTS:" line (tests/guest/run.sh) goes along as NAME.opts.
for p in "$@"; do
    cp "$p" "$OUT/root/guest/"
    n=$(basename "$p")
    src="$HERE/../guest/${n%.*}.asm"
    [ -r "$src" ] && sed -n 's/^; RUN-OPTS: *//p' "$src" | head -n1 > "$OUT/root/guest/${n%.*}.opts"
    [ -s "$OUT/root/guest/${n%.*}.opts" ] || rm -f "$OUT/root/guest/${n%.*}.opts"
done
# The `info registers` check's own guest (tests/kvm/regs.asm), when built.
[ -n "${KVM_REGS_PROG:-}" ] && cp "$KVM_REGS_PROG" "$OUT/root/regs.bin"
for f in vmlinuz-cloud initrd.gz; do
    [ -s "$KIT/$f" ] && cp "$KIT/$f" "$OUT/root/linux/"
done
install -m 755 "$HERE/init" "$OUT/root/init"
(cd "$OUT/root" && find . -print0 | LC_ALL=C sort -z |
    cpio --null -o -H newc -R 0:0 --quiet) | gzip -1n > "$OUT/initramfs.gz.tmp"
mv "$OUT/initramfs.gz.tmp" "$OUT/initramfs.gz"
rm -rf "$OUT/kpkg"
