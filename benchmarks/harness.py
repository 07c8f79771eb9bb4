"""Shared benchmark plumbing: phase timers, peak memory, JSON lines, a readable table.

Every benchmark prints its figures and appends one JSON line per case to
``benchmarks/results/<name>.jsonl`` (rank 0), with the machine and versions, so runs on
different machines or commits can be compared.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dendrisim import parallel
from dendrisim.compat import versions
from dendrisim.output import git_commit

RESULTS = Path(__file__).resolve().parent / "results"


class Phases:
    """Accumulates wall time per named phase: ``with phases("assembly"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    @contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
            self.calls[name] = self.calls.get(name, 0) + 1

    def total(self) -> float:
        """Sum of all phases [s]."""
        return sum(self.seconds.values())


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MiB], maximum over ranks."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return parallel.global_max(kb / 1024.0)


def machine() -> dict[str, Any]:
    """Where and with what the benchmark ran."""
    return {
        "host": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "ranks": parallel.size(),
        "git_commit": git_commit(),
        "versions": {k: v for k, v in versions().items()
                     if k in ("dendrisim", "dolfinx", "fenics-dolfinx", "dolfinx-solver-real",
                              "gmsh", "numpy", "petsc4py")},
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def record(bench: str, row: dict[str, Any]) -> None:
    """Append one JSON line (row + machine) to benchmarks/results/<bench>.jsonl (rank 0)."""
    line = {"benchmark": bench, **row, "machine": machine()}

    def _write() -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        with open(RESULTS / f"{bench}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, default=float) + "\n")

    parallel.on_root(_write)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows as an aligned text table (numbers with 4 significant digits)."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
              for i, c in enumerate(columns)]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)
