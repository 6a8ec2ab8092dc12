"""A/B: a benchmark script of this checkout run on two checkouts of dlarr, in turns.

    git worktree add /tmp/before <commit>
    python benchmarks/ab_lstm_cpu.py --before /tmp/before [--rounds 3] [-- --quick]
    python benchmarks/ab_lstm_cpu.py --before /tmp/before --script bench_call_overhead.py

Runs ``--script`` (default bench_lstm_cpu.py, from this checkout's benchmarks/) with
PYTHONPATH pointing at each tree in turn (before, after, before, after, ...), so that a
drift of the machine hits both alike, and prints, per table row and numeric column, the
median over rounds for each tree.  The peer (torch) is the same in both runs: its columns
show how much the machine moved.  A difference smaller than the spread between rounds is
noise.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def _cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def run(tree, script, extra):
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, str(HERE / script), *extra], env=env,
                         capture_output=True, text=True, check=True, cwd="/")
    header, rows = None, {}
    for line in out.stdout.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = _cells(line)
        if header is None:
            header = cells
            continue
        values = []
        for c in cells[1:]:
            try:
                values.append(float(c))
            except ValueError:
                values.append(None)
        rows[cells[0]] = values
    return header, rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="root of the other checkout")
    ap.add_argument("--script", default="bench_lstm_cpu.py")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("extra", nargs="*", help="arguments for the script (after --)")
    args = ap.parse_args(argv)
    trees = {"before": pathlib.Path(args.before).resolve(), "after": HERE.parent}
    got = {k: [] for k in trees}
    header = None
    for r in range(args.rounds):
        for name, tree in trees.items():
            header, rows = run(tree, args.script, args.extra)
            got[name].append(rows)
            print(f"# round {r + 1} {name} done", file=sys.stderr, flush=True)
    cols = [i for i, v in enumerate(next(iter(got["before"][0].values()))) if v is not None]
    print(f"# {args.script} {' '.join(args.extra)}: medians of {args.rounds} alternating rounds")
    print("| " + header[0] + " | " + " | ".join(f"{header[i + 1]} before | {header[i + 1]} after"
                                              for i in cols) + " |")
    print("|---|" + "---:|" * (2 * len(cols)))
    for key in got["before"][0]:
        cells = []
        for i in cols:
            for k in trees:
                cells.append(f"{statistics.median(rows[key][i] for rows in got[k]):.3f}")
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
