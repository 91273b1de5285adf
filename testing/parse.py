#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Strict parser of one test-VM run.

Reads the results channel (ttyS1: KUnit debugfs results, selftest TAP,
markers written by testing/init) and the kernel console (ttyS0), and counts
every expected result. A suite or program that did not run, a result the
plan promised but that never came, a skip, a VM that never finished, and
every kernel splat count as failures.

Prints one line per failure and a last line "COUNTS <passed> <failed>".
"""
import argparse
import re
import sys

# Kernel log lines that fail the run wherever they appear.
SPLATS = [
    r"BUG:", r"WARNING:", r"KASAN:", r"UBSAN:", r"KCSAN:",
    r"Oops", r"Kernel panic", r"general protection fault",
    r"possible recursive locking", r"possible circular locking",
    r"inconsistent lock state", r"suspicious RCU usage",
    r"lock held when returning to user space",
    r"sleeping function called from invalid context",
    r"INFO: task .* blocked", r"unreferenced object",
    r"Call Trace:",
]
SPLAT_RE = re.compile("|".join(SPLATS))

TAP_RESULT = re.compile(r"^(ok|not ok) (\d+)(?: (.*?))?(?:\s+#\s*(.*))?$")


class Counter:
    def __init__(self, flavour):
        self.flavour = flavour
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL [{self.flavour}] {name}: {why}")


def sections(lines, begin, end):
    """Yield (name, body lines, end line) for BEGIN/END marked sections."""
    cur = None
    body = []
    for line in lines:
        if line.startswith(begin + " "):
            cur = line[len(begin) + 1:].strip()
            body = []
        elif cur is not None and line.startswith(end + " "):
            yield cur, body, line
            cur = None
        elif cur is not None:
            body.append(line)
    if cur is not None:
        yield cur, body, None


def tap_results(body, indent):
    """Plan and results of the TAP document at this indentation."""
    plan = None
    results = []
    for line in body:
        if not line.startswith(indent) or line[len(indent):len(indent) + 1] == " ":
            continue
        text = line[len(indent):].rstrip()
        m = re.match(r"^1\.\.(\d+)", text)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP_RESULT.match(text)
        if m:
            results.append((m.group(1) == "ok", int(m.group(2)),
                            (m.group(3) or "").strip(), m.group(4) or ""))
    return plan, results


def check_doc(c, prefix, plan, results):
    if plan is None:
        c.fail(prefix, "no TAP plan")
        return
    seen = set()
    for ok, num, name, directive in results:
        full = f"{prefix}.{name or num}"
        seen.add(num)
        if directive.upper().startswith("SKIP"):
            c.fail(full, f"skipped ({directive}): a test that did not run")
        elif ok:
            c.ok(full)
        else:
            c.fail(full, "not ok")
    for num in range(1, plan + 1):
        if num not in seen:
            c.fail(f"{prefix}.#{num}", "planned but no result")


def check_guests(c, lines, expected, caps_line):
    """virq-vmm's guest tests: a TAP document each, and exit status 1
    (the guest wrote 0 to the exit port) or 0 (it switched the machine
    off: Linux).

    Status 8 means virq-vmm could not create the chip the test needs; it
    is accepted (and counted neither way) only while the module itself
    reports that chip's capability as absent (the VIRQ-CAPS line).
    """
    caps = {}
    for word in (caps_line or "").split()[1:]:
        k, _, v = word.partition("=")
        caps[k] = v
    got = {}
    for name, body, end in sections(lines, "BEGIN-GUEST", "END-GUEST"):
        got[name] = (body, end)
    for name in filter(None, expected.split(",")):
        full = f"guest.{name}"
        if name not in got:
            c.fail(full, "did not run")
            continue
        body, end = got.pop(name)
        m = re.match(r"END-GUEST \S+ rc=(\d+)(?: chip=(\S+))?", end or "")
        if not m:
            c.fail(full, "did not finish")
            continue
        rc, chip = int(m.group(1)), m.group(2) or ""
        if rc == 8:
            need = ["pic"] if chip == "pic" else ["ioapic", "lapic"]
            if caps and any(caps.get(k, "0") == "0" for k in need):
                print(f"NOTE [{c.flavour}] {full}: not run, this virq "
                      f"has no {'/'.join(need)} chip yet")
            else:
                c.fail(full, f"chip {chip} unsupported although the "
                       f"module reports it: {caps_line}")
            continue
        plan, results = tap_results(body, "")
        before = c.failed
        check_doc(c, full, plan, results)
        # A guest kernel's own splat (Linux on virq) fails it too.
        for l in [l for l in body if SPLAT_RE.search(l) and
                  not TAP_RESULT.match(l) and not l.startswith("#")][:3]:
            c.fail(full, f"guest kernel: {l.strip()}")
        if rc not in (0, 1):
            why = {2: "virq-vmm error", 4: "the guest crashed",
                   6: "the guest reset the machine (a panic?)",
                   124: "timeout"}.get(rc, "guest reported failure")
            c.fail(full, f"exit status {rc} ({why})")
        if c.failed != before:
            print(f"---- {full}: the last lines of its console ----")
            for l in body[-30:]:
                print(f"  | {l}")
    for name in got:
        c.fail(f"guest.{name}", "unexpected guest test (add it to the list)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flavour", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--console", required=True)
    ap.add_argument("--suites", default="", help="expected KUnit suites")
    ap.add_argument("--selftests", default="", help="expected programs")
    ap.add_argument("--guests", default="", help="expected guest tests")
    ap.add_argument("--bench", action="store_true", help="expect a bench run")
    ap.add_argument("--no-kunit", action="store_true",
                    help="the run loads no KUnit module (make fuzz)")
    a = ap.parse_args()
    c = Counter(a.flavour)

    try:
        lines = open(a.results, errors="replace").read().splitlines()
    except OSError:
        lines = []
    try:
        console = open(a.console, errors="replace").read().splitlines()
    except OSError:
        console = []
    lines = [l.rstrip("\r") for l in lines]

    def marker(prefix):
        for line in lines:
            if line.startswith(prefix):
                return line
        return None

    # A VM without a real clock measures nothing: every latency is 0 and
    # timing tests lie. The kernel falls back to jiffies when the TSC
    # cannot be calibrated and no HPET or ACPI PM timer exists.
    m = marker("VIRQ-CLOCKSOURCE ")
    if m is None:
        c.fail("clocksource", "not reported")
    elif "jiffies" in m or not m.split()[1:]:
        c.fail("clocksource", f"no usable clock in the VM: {m}")
    else:
        c.ok("clocksource")

    markers = [("module load", "VIRQ-INSMOD rc="),
               ("kunit module load", "VIRQ-INSMOD-KUNIT rc="),
               ("module unload", "VIRQ-RMMOD rc=")]
    if a.no_kunit:
        del markers[1]
    for name, pfx in markers:
        m = marker(pfx)
        if m is None:
            c.fail(name, "did not happen")
        elif m != pfx + "0":
            c.fail(name, m)
        else:
            c.ok(name)

    # KUnit: each suite's debugfs results, a nested KTAP document.
    got = {}
    for name, body, _ in sections(lines, "BEGIN-KUNIT", "END-KUNIT"):
        got[name] = body
    for suite in filter(None, a.suites.split(",")):
        body = got.pop(suite, None)
        if body is None:
            c.fail(f"kunit.{suite}", "suite did not run")
            continue
        plan, results = tap_results(body, "    ")
        check_doc(c, f"kunit.{suite}", plan, results)
        top_plan, top = tap_results(body, "")
        if not top or not top[0][0]:
            c.fail(f"kunit.{suite}", "suite result is not ok")
    for suite in got:
        c.fail(f"kunit.{suite}", "unexpected suite (add it to the list)")

    # Selftests: one TAP document per program, and its exit code.
    got = {}
    for name, body, end in sections(lines, "BEGIN-SELFTEST", "END-SELFTEST"):
        got[name] = (body, end)
    for prog in filter(None, a.selftests.split(",")):
        if prog not in got:
            c.fail(f"selftest.{prog}", "did not run")
            continue
        body, end = got.pop(prog)
        plan, results = tap_results(body, "")
        check_doc(c, f"selftest.{prog}", plan, results)
        if end is None:
            c.fail(f"selftest.{prog}", "did not finish")
        elif not end.endswith(" rc=0") and all(r[0] for r in results):
            c.fail(f"selftest.{prog}", f"exit status: {end}")
    for prog in got:
        c.fail(f"selftest.{prog}", "unexpected program (add it to the list)")

    check_guests(c, lines, a.guests, marker("VIRQ-CAPS "))

    if a.bench:
        m = marker("END-BENCH rc=")
        if m == "END-BENCH rc=0":
            c.ok("bench smoke run")
        else:
            c.fail("bench smoke run", m or "did not run")

    for name, body, _ in sections(lines, "BEGIN-KMEMLEAK", "END-KMEMLEAK"):
        leaks = [l for l in body if "unreferenced object" in l]
        if leaks:
            c.fail("kmemleak", f"{len(leaks)} leak(s): {leaks[0]}")
        else:
            c.ok("kmemleak")

    # Before /init runs no code of ours has run: a report there is the
    # test kernel's own (KASAN under TCG has flagged an early interrupt's
    # irq_desc lock, at random). It is shown, not counted; a console
    # without the marker is scanned whole.
    start = next((i for i, l in enumerate(console)
                  if "virq-test: /init starts" in l), 0)
    for l in [l for l in console[:start] if SPLAT_RE.search(l)][:5]:
        print(f"NOTE [{a.flavour}] boot log, before any test: {l.strip()}",
              file=sys.stderr)
    splats = [l for l in console[start:] if SPLAT_RE.search(l)]
    if splats:
        for l in splats[:20]:
            c.fail("kernel log", l.strip())
    else:
        c.ok("kernel log clean")

    if marker("VIRQ-DONE") is None:
        c.fail("vm", "the run did not finish (crash or timeout)")
    else:
        c.ok("vm finished")

    print(f"COUNTS {c.passed} {c.failed}")


if __name__ == "__main__":
    sys.exit(main())
