"""ARC benchmark: the built-in heat-wait-seek cases, steps and wall time per run.

See docs/architecture.md#performance and docs/physics.md#arc-heat-wait-seek.

Runs ``arc-routine`` and ``arc-stable`` (quick: ``arc-routine`` only) through
``dendrisim.run`` into a temporary folder and records the accepted and rejected steps,
Newton iterations, wall time, and the ARC numbers (onset, trigger, maximum), which must not
change with the machine.  Prints a table and appends one JSON line per case to
``benchmarks/results/arc.jsonl``.

Run: ``python -m benchmarks.bench_arc [--quick]`` (or ``scripts/bench arc``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import record, table
from dendrisim import Result, load_case, run
from dendrisim.core import parallel

MPI_CAPABLE = False  # a coarse 2D mesh: one rank
COLUMNS = ["case", "steps", "wall_s", "arc_onset_K", "arc_trigger_K", "arc_max_K", "stop"]


def run_case(name: str, folder: Path) -> dict:
    """One ARC case into ``folder``; its row."""
    t0 = time.perf_counter()
    res = run(load_case(name), out=folder / name, quiet=True)
    wall = time.perf_counter() - t0
    s = Result.load(res.path, warn=False).summary()
    return {
        "case": name,
        "steps": s["steps"],
        "wall_s": wall,
        "arc_onset_K": s["arc_onset_K"],
        "arc_trigger_K": s["arc_trigger_K"],
        "arc_max_K": s["arc_max_K"],
        "stop": s["stop_reason"],
    }


def main(quick: bool = False) -> list[dict]:
    """Run the ARC cases (quick: arc-routine only)."""
    names = ["arc-routine"] if quick else ["arc-routine", "arc-stable"]
    folder = Path(parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-bench-arc-")))
    rows = []
    for name in names:
        row = run_case(name, folder)
        rows.append(row)
        record("arc", row)
    parallel.root_print(table(rows, COLUMNS))
    parallel.on_root(lambda: shutil.rmtree(folder, ignore_errors=True))
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
