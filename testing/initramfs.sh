#!/bin/bash
# Build the test VM's initramfs.
# Usage: initramfs.sh OUT.cpio.gz MODDIR USERDIR
#   MODDIR: holds virq.ko (and virq_kunit.ko); USERDIR: tests/, tools/
#   and guest/
. "$(dirname "$0")/lib.sh"

out=${1:?out} moddir=${2:?moddir} userdir=${3:?userdir}
bb=$(command -v busybox || true)
[ -n "$bb" ] || die "busybox missing (apt-get install busybox-static)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
	die "$bb is not static (apt-get install busybox-static)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,tests,tools,guest}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$VIRQ_TOP/testing/init" "$root/init"
chmod +x "$root/init"
cp "$moddir"/*.ko "$root/lib/modules/"
[ -d "$userdir/tests" ] && cp "$userdir"/tests/* "$root/tests/"
[ -d "$userdir/tools" ] && cp "$userdir"/tools/* "$root/tools/"
# virq-vmm's guest test programs and their list (guest/Makefile)
[ -d "$userdir/guest" ] && cp "$userdir"/guest/* "$root/guest/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
