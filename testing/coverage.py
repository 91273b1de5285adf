#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Line and branch coverage of irqchip/ from a coverage VM run.

Reads the gcov counter files the VM printed (BEGIN-GCOV <path> / base64 /
END-GCOV <path> on the results channel), writes each next to the object
it belongs to in the module's build directory, runs gcov there and sums
the results over irqchip/*.c.

Prints one line per file and a total, writes the unexecuted lines of each
file to --report, and exits 1 if the line coverage is below --min.
"""
import argparse
import base64
import os
import re
import subprocess
import sys


def gcda_sections(path):
    cur, body = None, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("BEGIN-GCOV "):
                cur, body = line.split(" ", 1)[1], []
            elif line.startswith("END-GCOV ") and cur:
                yield cur, base64.b64decode("".join(body))
                cur = None
            elif cur:
                body.append(line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--moddir", required=True, help="the module build dir")
    ap.add_argument("--report", required=True)
    ap.add_argument("--min", type=float, default=90.0)
    a = ap.parse_args()

    objdir = os.path.join(a.moddir, "irqchip")
    n = 0
    for path, data in gcda_sections(a.results):
        name = os.path.basename(path)
        with open(os.path.join(objdir, name), "wb") as f:
            f.write(data)
        n += 1
    if not n:
        print("coverage: the VM sent no gcov data", file=sys.stderr)
        return 1

    srcs = sorted(f for f in os.listdir(objdir) if f.endswith(".c"))
    # virq_trace.h's probes are in their own files; the KUnit-only
    # sources are not part of the module.
    tot = dict(lines=0, lexec=0, br=0, btaken=0)
    rows, missed = [], []
    for src in srcs:
        stem = src[:-2]
        if not os.path.exists(os.path.join(objdir, stem + ".gcno")):
            continue
        out = subprocess.run(
            ["gcov", "-b", "-c", "-o", objdir, os.path.join(objdir, src)],
            cwd=objdir, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return 1
        gcov = os.path.join(objdir, src + ".gcov")
        if not os.path.exists(gcov):
            gcov = os.path.join(objdir, os.path.basename(src) + ".gcov")
        lines = lexec = br = btaken = 0
        unexec = []
        with open(gcov) as f:
            for line in f:
                m = re.match(r"\s*([^:]+):\s*(\d+):(.*)", line)
                if m:
                    cnt, no = m.group(1).strip(), int(m.group(2))
                    if cnt == "-" or no == 0:
                        continue
                    lines += 1
                    if cnt in ("#####", "====="):
                        unexec.append((no, m.group(3)))
                    else:
                        lexec += 1
                    continue
                m = re.match(r"branch\s+\d+\s+(taken|never executed)\s*(\d*)",
                             line)
                if m:
                    br += 1
                    if m.group(1) == "taken" and m.group(2) and \
                            int(m.group(2)) > 0:
                        btaken += 1
        rows.append((src, lexec, lines, btaken, br))
        missed.append((src, unexec))
        tot["lines"] += lines
        tot["lexec"] += lexec
        tot["br"] += br
        tot["btaken"] += btaken

    def pct(x, y):
        return 100.0 * x / y if y else 100.0

    print(f"{'file':<16} {'lines':>16} {'branches':>16}")
    for src, le, li, bt, b in rows:
        print(f"{src:<16} {pct(le, li):6.1f}% {le:4}/{li:<4} "
              f"{pct(bt, b):6.1f}% {bt:4}/{b:<4}")
    lp = pct(tot["lexec"], tot["lines"])
    bp = pct(tot["btaken"], tot["br"])
    print(f"{'total':<16} {lp:6.1f}% {tot['lexec']:4}/{tot['lines']:<4} "
          f"{bp:6.1f}% {tot['btaken']:4}/{tot['br']:<4}")
    with open(a.report, "w") as f:
        for src, unexec in missed:
            f.write(f"== {src}: {len(unexec)} lines not executed\n")
            for no, text in unexec:
                f.write(f"{no:5}: {text}\n")
    print(f"COVERAGE lines {lp:.1f} branches {bp:.1f} "
          f"(unexecuted lines: {a.report})")
    return 0 if lp >= a.min else 1


if __name__ == "__main__":
    sys.exit(main())
