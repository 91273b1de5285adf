#!/bin/bash
# The virq test run (`make check`, `make bench`, `make demo`).
#
# For each kernel flavour: build (or reuse) the test kernel, build virq.ko
# and virq_kunit.ko against it (W=1, must be warning-free), build the static
# selftests and tools, pack an initramfs, boot it under QEMU and parse the
# results strictly. Static checks (checkpatch, sparse, a compile against
# Debian's 6.1 headers) count as tests too. Ends with "N passed, N failed"
# and exits non-zero if anything failed.
#
# Usage: check.sh [check|bench|demo|coverage|fuzz]
#   coverage: the whole suite on a gcov kernel with the module
#   instrumented, then line and branch coverage of irqchip/ (>= 90%).
#   fuzz: the fuzzer alone, longer (make fuzz SEED= OPS= THREADS=).
#
# The whole script is one brace group, read before any of it runs: a run
# that waits for the lock is not disturbed by edits to this file.
{
. "$(dirname "$0")/lib.sh"

mode=${1:-check}
virq_lock
B=$VIRQ_TOP/build
passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); log "FAIL: $1"; }

"$VIRQ_TOP/testing/deps.sh"
src=$(ensure_src)

# Build the module sources in a copy, so builds for several kernels never
# share object files with each other or with the source tree.
build_module() {
	local kdir=$1 dir=$2 logf=$2.log extra=${3:-}
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$VIRQ_TOP"/Kbuild "$VIRQ_TOP"/irqchip "$VIRQ_TOP"/kunit \
		"$VIRQ_TOP"/uapi "$dir/"
	# shellcheck disable=SC2086
	make -C "$kdir" M="$dir" W=1 $extra -j"$VIRQ_JOBS" modules >"$logf" 2>&1
}

build_user() {
	log "building selftests, tools and guest tests"
	make -s -C "$VIRQ_TOP/selftests" OUT="$B/user/tests" KSRC="$src" \
		>"$B/user-selftests.log" 2>&1 &&
	make -s -C "$VIRQ_TOP/tools" OUT="$B/user/tools" \
		>"$B/user-tools.log" 2>&1 &&
	make -s -C "$VIRQ_TOP/guest" OUT="$B/user/guest" \
		>"$B/user-guest.log" 2>&1 &&
	make -s -C "$VIRQ_TOP/guest" list-tests >"$B/user/guest/TESTS" &&
	make -s -C "$VIRQ_TOP/guest" list-linux >"$B/user/guest/LINUX"
}

static_checks() {
	local files
	files=$(cd "$VIRQ_TOP" && ls irqchip/*.[ch] kunit/*.c uapi/linux/*.h)
	# shellcheck disable=SC2086
	if (cd "$VIRQ_TOP" && perl "$src/scripts/checkpatch.pl" --strict \
		--no-tree --quiet --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $files) >"$B/checkpatch.log" 2>&1; then
		pass
	else
		cat "$B/checkpatch.log" >&2
		fail "checkpatch --strict"
	fi

	local hdr
	hdr=$(ls -d /usr/src/linux-headers-6.1*-amd64 2>/dev/null | sort -V | tail -n1)
	if [ -z "$hdr" ]; then
		fail "compile against 6.1 headers: linux-headers-amd64 missing"
	elif build_module "$hdr" "$B/compat-6.1/mod" &&
	     ! grep -q 'warning:' "$B/compat-6.1/mod.log"; then
		pass
	else
		tail -n 30 "$B/compat-6.1/mod.log" >&2
		fail "compile against $(basename "$hdr")"
	fi

	# The documentation is valid reStructuredText (warnings count).
	local rst bad=0
	: >"$B/rst.log"
	for rst in "$VIRQ_TOP"/Documentation/*.rst; do
		python3 -m docutils --halt=2 --report=2 "$rst" /dev/null \
			>>"$B/rst.log" 2>&1 || bad=1
	done
	if [ $bad = 0 ]; then
		pass
	else
		cat "$B/rst.log" >&2
		fail "Documentation/*.rst: docutils reports problems"
	fi

	# Packaging: DKMS builds the module from `make dkms-source`'s tree
	# against the 6.1 headers, in trees of our own (nothing installed).
	if [ -z "$hdr" ]; then
		fail "dkms build: linux-headers-amd64 missing"
	elif dkms_build "$hdr" >"$B/dkms.log" 2>&1; then
		pass
	else
		tail -n 30 "$B/dkms.log" >&2
		fail "dkms build (dkms.conf, make dkms-source)"
	fi

	if "$VIRQ_TOP/testing/nospec-check.sh" "$VIRQ_TOP" >"$B/nospec.log" 2>&1; then
		pass
	else
		cat "$B/nospec.log" >&2
		fail "user-controlled indices not clamped (Documentation/badinput.rst)"
	fi

	# Documentation/badinput.rst carries the table the selftest walks.
	if "$B/user/tests/badinput_test" --table >"$B/badinput-table.txt" &&
	   sed -n '/^\.\. the table:/,/^\.\. end of the table/p' \
		"$VIRQ_TOP/Documentation/badinput.rst" | sed '1,2d;$d' | sed '$d' |
	   diff -u - "$B/badinput-table.txt" >"$B/badinput-table.diff"; then
		pass
	else
		cat "$B/badinput-table.diff" >&2
		fail "Documentation/badinput.rst's table is not badinput_test --table's"
	fi

	if printf '#include <linux/virq.h>\nint main(void) { return sizeof(struct virq_irq_routing_entry) != 48; }\n' |
	   gcc -Wall -Werror -I"$VIRQ_TOP/uapi" -x c -c -o /dev/null - 2>"$B/uapi.log"; then
		pass
	else
		cat "$B/uapi.log" >&2
		fail "uapi header compiles standalone"
	fi
}

# DKMS as `make install` uses it, against the kernel headers in $1: the
# version in dkms.conf must be the module's, and the module must build.
dkms_build() {
	local hdr=$1 d=$B/dkms ver kver ko
	ver=$(make -s -C "$VIRQ_TOP" version)
	grep -qx "PACKAGE_VERSION=\"$ver\"" "$VIRQ_TOP/dkms.conf" ||
		{ echo "dkms.conf: PACKAGE_VERSION is not VIRQ_VERSION ($ver)"; return 1; }
	command -v dkms >/dev/null || { echo "dkms missing"; return 1; }
	kver=${hdr#/usr/src/linux-headers-}
	rm -rf "$d" && mkdir -p "$d/tree" &&
	make -s -C "$VIRQ_TOP" dkms-source DESTDIR="$d/root" &&
	# Its signing key too, or dkms makes one in /var/lib/dkms.
	local key=(mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub")
	env "${key[@]}" dkms add --dkmstree "$d/tree" \
		--sourcetree "$d/root/usr/src" -m virq -v "$ver" &&
	env "${key[@]}" dkms build --dkmstree "$d/tree" \
		--sourcetree "$d/root/usr/src" -m virq -v "$ver" -k "$kver" \
		--kernelsourcedir "$hdr" || return 1
	ko=$(find "$d/tree/virq/$ver/$kver" -name 'virq.ko*' | head -n1)
	[ -n "$ko" ] || { echo "dkms built no virq.ko"; return 1; }
	[ "$(modinfo -F version "$ko")" = "$ver" ] ||
		{ echo "$ko: version is not $ver"; return 1; }
}

# The fuzzer (selftests/fuzz_test.c) runs a bounded number of operations
# per thread in every `make check` VM: one single-threaded phase, then
# VIRQ_FUZZ_THREADS (default 4) threads at once. The counts are chosen so
# that it costs about a minute of each debug VM's time under TCG, less on
# base (Documentation/testing.rst has the measurements). VIRQ_FUZZ_OPS
# overrides them; VIRQ_FUZZ_SEED fixes the seed (by default the fuzzer
# draws one and prints it). `make fuzz` runs it alone, longer.
fuzz_ops() {
	if [ -n "${VIRQ_FUZZ_OPS:-}" ]; then
		echo "$VIRQ_FUZZ_OPS"
		return
	fi
	case "$mode:$1" in
	fuzz:*) echo 20000 ;;
	*:base) echo 5000 ;;
	*:debug) echo 10000 ;;
	*:kcsan) echo 10000 ;;
	*) echo 1000 ;;
	esac
}

run_flavour() {
	local f=$1 kdir out timeout vmmode=$mode extra="C=2 CHECK=sparse"
	[ "$mode" = coverage ] && vmmode=check extra="$extra GCOV_PROFILE=y"
	kdir=$("$VIRQ_TOP/testing/kernel.sh" "$f") || { fail "$f: kernel build"; return; }
	out=$B/$f
	mkdir -p "$out"

	log "$f: building virq.ko (W=1, sparse)"
	if build_module "$kdir" "$out/mod" "$extra"; then
		if grep -E 'warning:|error:' "$out/mod.log" >&2; then
			fail "$f: module build is not warning-free (W=1, sparse)"
		else
			pass
		fi
	else
		tail -n 30 "$out/mod.log" >&2
		fail "$f: module build"
		return
	fi

	local mi=/sbin/modinfo
	command -v modinfo >/dev/null && mi=modinfo
	if [ "$($mi -F license "$out/mod/virq.ko")" = GPL ] &&
	   [ -n "$($mi -F description "$out/mod/virq.ko")" ] &&
	   [ -n "$($mi -F version "$out/mod/virq.ko")" ]; then
		pass
	else
		fail "$f: modinfo lacks license GPL, description or version"
	fi

	"$VIRQ_TOP/testing/initramfs.sh" "$out/initramfs.cpio.gz" \
		"$out/mod" "$B/user" || { fail "$f: initramfs"; return; }

	case "$mode:$f" in
	fuzz:*) timeout=${VIRQ_FUZZ_TIMEOUT:-5400} ;;
	demo:*) timeout=900 ;;	# Linux (up to 400 s), then the demo guest
	*:base) timeout=600 ;;
	*) timeout=1500 ;;
	esac
	local append="${VIRQ_APPEND:-} virq.fuzz_ops=$(fuzz_ops "$f")"
	# vcpu_test's lost-wake-up hunt: a million round trips on base and
	# debug; KCSAN, which slows every access, samples races in 200,000.
	[ "$f" = kcsan ] && append+=" virq.wake_iterations=200000"
	[ -n "${VIRQ_FUZZ_SEED:-}" ] && append+=" virq.fuzz_seed=$VIRQ_FUZZ_SEED"
	[ -n "${VIRQ_FUZZ_THREADS:-}" ] &&
		append+=" virq.fuzz_threads=$VIRQ_FUZZ_THREADS"
	log "$f: booting the test VM ($vmmode, limit ${timeout}s)"
	local start rc=0
	start=$(date +%s)
	VIRQ_APPEND="$append" "$VIRQ_TOP/testing/run-vm.sh" \
		"$kdir/arch/x86/boot/bzImage" "$out/initramfs.cpio.gz" "$vmmode" \
		"$timeout" "$out" || rc=$?
	log "$f: VM exited ($rc) after $(( $(date +%s) - start ))s"
	# The seed, to replay a failure: make fuzz SEED=n (or VIRQ_FUZZ_SEED).
	grep -a -h '^# virq fuzz: seed\|^# \(solo\|swarm\): [0-9.]* s$' \
		"$out/results.log" 2>/dev/null | tr -d '\r' |
		sed "s/^# /[$f] /" >&2 || true

	if [ "$vmmode" = bench ] || [ "$vmmode" = demo ]; then
		tr -d '\r' <"$out/results.log"
		grep -q "^VIRQ-$(echo "$mode" | tr a-z A-Z) rc=0" "$out/results.log" &&
			pass || fail "$f: $mode"
		# A benchmark on a jiffies clock reports zeros: refuse it.
		if grep -q '^VIRQ-CLOCKSOURCE [a-z_]*jiffies\|^VIRQ-CLOCKSOURCE *$' \
			"$out/results.log" ||
		   ! grep -q '^VIRQ-CLOCKSOURCE' "$out/results.log"; then
			fail "$f: the VM has no usable clocksource"
		else
			pass
		fi
		return
	fi

	local suites progs res p fl extra=(--bench)
	suites=$(grep -ho '\.name = "virq[a-z0-9_]*"' "$VIRQ_TOP"/kunit/*.c |
		 sed 's/.*"\(.*\)"/\1/' | paste -sd, -)
	progs=$(make -s -C "$VIRQ_TOP/selftests" list-progs)
	# faultinject_test needs failslab (the debug kernel); /init runs it
	# only where the kernel has it.
	grep -q '^CONFIG_FAILSLAB=y' "$kdir/.config" ||
		progs=$(echo "$progs" | sed 's/,\?faultinject_test//')
	guests=$(cut -d: -f1 "$B/user/guest/TESTS" | paste -sd, -)
	if [ "$mode" = fuzz ]; then
		suites= guests= progs=fuzz_test extra=(--no-kunit)
	fi
	res=$(python3 "$VIRQ_TOP/testing/parse.py" --flavour "$f" \
		--results "$out/results.log" --console "$out/console.log" \
		--suites "$suites" --selftests "$progs" --guests "$guests" \
		"${extra[@]}")
	echo "$res" | grep -v '^COUNTS' >&2 || true
	read -r _ p fl <<<"$(echo "$res" | grep '^COUNTS')"
	passed=$((passed + p))
	failed=$((failed + fl))
	log "$f: $p passed, $fl failed"
	[ "$fl" = 0 ] || failures+=("$f: $fl failed (see $out/results.log, $out/console.log)")

	if [ "$mode" = coverage ]; then
		if python3 "$VIRQ_TOP/testing/coverage.py" \
			--results "$out/results.log" --moddir "$out/mod" \
			--report "$out/coverage-missed.txt" >&2; then
			pass
		else
			fail "coverage of irqchip/ below 90% of lines (see $out/coverage-missed.txt)"
		fi
	fi
}

mkdir -p "$B"
start_all=$(date +%s)
if build_user; then
	pass
else
	cat "$B"/user-*.log >&2
	fail "selftests/tools build"
	echo "$passed passed, $failed failed"
	exit 1
fi

# The Linux guest (guest/linux/) is the base test kernel whichever flavour
# hosts it: its bzImage goes beside the other guest programs.
if kb=$("$VIRQ_TOP/testing/kernel.sh" base); then
	cp "$kb/arch/x86/boot/bzImage" "$B/user/guest/linux.bzImage"
else
	fail "base kernel (the Linux guest's)"
fi

if [ "$mode" = check ]; then
	static_checks
	for f in $VIRQ_FLAVOURS; do
		run_flavour "$f"
	done
elif [ "$mode" = bench ]; then
	run_flavour bench	# no lock debugging: production-like costs
elif [ "$mode" = coverage ]; then
	run_flavour coverage
elif [ "$mode" = fuzz ]; then
	run_flavour "${VIRQ_FUZZ_FLAVOUR:-debug}"	# KASAN, kmemleak, UBSAN
else
	run_flavour base
fi

log "total time $(( $(date +%s) - start_all ))s"
for x in "${failures[@]}"; do
	log "failed: $x"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
exit
}
