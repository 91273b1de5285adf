# shellcheck shell=bash
# Common settings for the virq test harness. Sourced, not run.

set -euo pipefail

VIRQ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIRQ_CACHE=${VIRQ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virq}
VIRQ_SRC_PKG=linux-source-6.12
VIRQ_SRC_TAR=/usr/src/$VIRQ_SRC_PKG.tar.xz
VIRQ_JOBS=${VIRQ_JOBS:-2}
VIRQ_FLAVOURS=${VIRQ_FLAVOURS:-base debug kcsan}

log() { printf '[virq %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Version string of the installed kernel source package.
src_version() {
	dpkg-query -W -f='${Version}' "$VIRQ_SRC_PKG" 2>/dev/null ||
		die "$VIRQ_SRC_PKG is not installed (run testing/deps.sh)"
}

# Directory holding the unpacked kernel source (shared by every flavour).
src_dir() {
	echo "$VIRQ_CACHE/src-$(src_version)/$VIRQ_SRC_PKG"
}

# Config fragments for a flavour: base first, then the flavour's own.
fragments() {
	local f=$1
	echo "$VIRQ_TOP/testing/config/base.config"
	[ "$f" = base ] || echo "$VIRQ_TOP/testing/config/$f.config"
}

# Build directory of a flavour: keyed by source version and fragments.
kernel_dir() {
	local f=$1 h
	# shellcheck disable=SC2046
	h=$( { src_version; cat $(fragments "$f"); } | sha256sum | cut -c1-16)
	echo "$VIRQ_CACHE/$f-$h"
}

# Unpack the kernel source once (shared by every flavour, the selftests'
# kselftest headers and checkpatch); prints its directory.
ensure_src() {
	local src
	src=$(src_dir)
	if [ ! -f "$src/.virq-unpacked" ]; then
		[ -f "$VIRQ_SRC_TAR" ] || die "$VIRQ_SRC_TAR missing (run testing/deps.sh)"
		log "unpacking $VIRQ_SRC_TAR"
		rm -rf "$(dirname "$src")"
		mkdir -p "$(dirname "$src")"
		tar -C "$(dirname "$src")" -xf "$VIRQ_SRC_TAR"
		touch "$src/.virq-unpacked"
	fi
	echo "$src"
}

# One kernel build or test VM at a time on this machine (two cores): a
# second `make check` (or kernel.sh) waits here for the first to finish.
virq_lock() {
	[ -n "${VIRQ_LOCKED:-}" ] && return 0
	mkdir -p "$VIRQ_CACHE"
	exec 9>"$VIRQ_CACHE/.lock"
	if ! flock -n 9; then
		log "another virq build or test run holds $VIRQ_CACHE/.lock; waiting"
		flock 9
	fi
	export VIRQ_LOCKED=1
}
