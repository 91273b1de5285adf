#!/bin/bash
# Boot a test kernel with an initramfs under QEMU (TCG, never /dev/kvm).
# Usage: run-vm.sh BZIMAGE INITRAMFS MODE TIMEOUT OUTDIR
#   writes OUTDIR/console.log (ttyS0, the kernel) and OUTDIR/results.log
#   (ttyS1, the tests).
. "$(dirname "$0")/lib.sh"

kernel=${1:?bzImage} initrd=${2:?initramfs} mode=${3:?mode}
limit=${4:?timeout} outdir=${5:?outdir}
mkdir -p "$outdir"
rm -f "$outdir/console.log" "$outdir/results.log"
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)

# tsc=reliable: TCG's TSC and HPET both follow the host's clock, but on
# a loaded host the clocksource watchdog reads them far apart, marks the
# TSC unstable in the middle of a run and switches clocksource; KVM then
# starts compensating guest TSCs, which virq-vmm's guests see.
# kvm.tsc_tolerance_ppm=5000: under TCG the kernel's early and refined
# TSC calibrations can differ by more than KVM's 250 ppm; 6.12's KVM then
# leaves new vCPUs with a TSC multiplier of 0 (IA32_TSC reads a constant
# while RDTSC runs), and virq-vmm's TSC-deadline guest test waited for a
# deadline placed minutes away (virq-vmm now refuses to run that way).
# kasan_multi_shot: a first report (even one during the test kernel's own
# boot, which the parser does not count) must not silence the rest.
rc=0
timeout -k 10 "$limit" qemu-system-x86_64 \
	-accel tcg -cpu max -smp "${VIRQ_SMP:-2}" -m 1G \
	-nodefaults -display none -no-reboot "${bios[@]}" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic tsc=reliable kasan_multi_shot kvm.tsc_tolerance_ppm=5000 virq.mode=$mode ${VIRQ_APPEND:-}" \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	</dev/null || rc=$?
[ $rc = 124 ] && log "VM timed out after ${limit}s"
exit $rc
