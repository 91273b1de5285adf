#!/bin/bash
# Install what the harness needs from Debian's packages, if anything is
# missing. .ci/run installs unconditionally; `make check` calls this.
. "$(dirname "$0")/lib.sh"

PKGS="qemu-system-x86 busybox-static linux-source-6.12 linux-headers-amd64
bc bison flex libelf-dev libssl-dev cpio gzip xz-utils file kmod gcc make
perl python3 sparse libc6-dev dwarves dkms python3-docutils"

missing=0
for cmd in qemu-system-x86_64 busybox cpio bc bison flex gcc make perl \
	   python3 sparse file dkms; do
	command -v "$cmd" >/dev/null || { log "missing command: $cmd"; missing=1; }
done
[ -f "$VIRQ_SRC_TAR" ] || { log "missing: $VIRQ_SRC_TAR"; missing=1; }
for p in libelf-dev libssl-dev linux-headers-amd64 busybox-static \
	 python3-docutils; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		{ log "missing package: $p"; missing=1; }
done
[ $missing = 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "missing dependencies; as root: apt-get install $(echo $PKGS)"
log "installing dependencies"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get update -q >/dev/null && apt-get install -y -q $PKGS >/dev/null ||
	die "apt-get install failed"
