#!/bin/bash
# Build (or reuse from the cache) the test kernel of one flavour.
# Usage: testing/kernel.sh FLAVOUR   -- prints the kernel build directory.
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: kernel.sh FLAVOUR}
virq_lock
[ -f "$VIRQ_TOP/testing/config/$flavour.config" ] || die "no flavour $flavour"
out=$(kernel_dir "$flavour")

if [ -f "$out/.virq-built" ]; then
	log "kernel $flavour: cached in $out"
	echo "$out"
	exit 0
fi

src=$(ensure_src)

log "kernel $flavour: configuring in $out"
mkdir -p "$out"
mapfile -t frags < <(fragments "$flavour")
make -s -C "$src" O="$out" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"${frags[@]}" >"$out/merge.log"
make -s -C "$src" O="$out" olddefconfig >/dev/null

# Every option the fragments ask for (a later fragment overrides an
# earlier one) must have survived olddefconfig.
declare -A want=()
for frag in "${frags[@]}"; do
	while read -r line; do
		case "$line" in CONFIG_*=*) want[${line%%=*}]=${line#*=} ;; esac
	done <"$frag"
done
missing=0
for opt in "${!want[@]}"; do
	have=$(grep -E "^$opt=" "$out/.config" | cut -d= -f2- || true)
	if [ "${want[$opt]}" = n ]; then
		[ -z "$have" ] && continue
	elif [ "$have" = "${want[$opt]}" ]; then
		continue
	fi
	log "config: $opt=${want[$opt]} did not survive (have: ${have:-unset})"
	missing=1
done
[ $missing = 0 ] || die "kernel $flavour: config fragment not satisfied"

log "kernel $flavour: building (-j$VIRQ_JOBS, a few minutes the first time)"
start=$(date +%s)
make -s -C "$src" O="$out" -j"$VIRQ_JOBS" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "kernel $flavour: build failed"; }
touch "$out/.virq-built"
log "kernel $flavour: built in $(( $(date +%s) - start ))s"
echo "$out"
