"""Interrupt a run at a chosen simulated time, resume it, compare with an uninterrupted run.

    python -m benchmarks.restart_accuracy fig5-routine --at 4 --out /tmp/restart-fig5
    mpiexec -n 2 python -m benchmarks.restart_accuracy fig5-routine --at 4 --out DIR

Runs the case uninterrupted into ``DIR/full``, then into ``DIR/cut`` stopped after the
first step at or past ``--at`` seconds (as SIGUSR1 would: a checkpoint, status
interrupted), resumes ``DIR/cut`` (``--resume-comm self``: on rank 0 alone, to check a
resume on another number of ranks) and prints the largest relative difference of every
time-series column (``DIR/restart_accuracy.json``).  Accuracy only: no timings recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def stop_at(time_s: float):
    """Runs inside the block stop (as on SIGUSR1) after the first step reaching ``time_s``."""
    from dendrisim.solver.loop import TimeLoop

    original = TimeLoop._signalled

    def signalled(self) -> bool:
        req = self.sim.stop_request
        if req is not None and self.t >= time_s:
            req.signum = signal.SIGUSR1
        return original(self)

    TimeLoop._signalled = signalled
    try:
        yield
    finally:
        TimeLoop._signalled = original


def differences(a: dict, b: dict) -> dict[str, float]:
    """Largest |a - b| / max(|a|, tiny) of each column of two time series (same rows)."""
    out = {}
    for k in a:
        if k not in b or len(a[k]) != len(b[k]):
            out[k] = float("inf")
            continue
        x, y = a[k], b[k]
        both_nan = np.isnan(x) & np.isnan(y)
        d = np.where(both_nan, 0.0, np.abs(x - y))
        scale = np.maximum(np.abs(x), 1e-300)
        rel = np.where(d == 0, 0.0, d / scale)
        out[k] = float(np.max(rel)) if rel.size else 0.0
    return out


def measure(case, at_s: float, out: Path, resume_comm=None) -> dict[str, float]:
    """Full, cut-at-``at_s`` and resumed runs of ``case`` into ``out``; per-column diffs."""
    from dendrisim import api
    from dendrisim.api.run_case import resume_case
    from dendrisim.core import parallel
    from dendrisim.core.errors import RunInterrupted
    from dendrisim.io.timeseries import read_timeseries

    api.run(case, out=out / "full", force=True, quiet=True)
    with stop_at(at_s), contextlib.suppress(RunInterrupted):
        api.run(case, out=out / "cut", force=True, quiet=True)
    if resume_comm is None:
        resume_case(out / "cut", quiet=True)
    elif parallel.is_root():
        resume_case(out / "cut", quiet=True, comm=resume_comm)
    parallel.barrier()
    full = read_timeseries(out / "full" / "timeseries.csv")
    cut = read_timeseries(out / "cut" / "timeseries.csv")
    return differences(full, cut)


def main(argv=None) -> None:
    from dendrisim import api
    from dendrisim.core import parallel

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case")
    p.add_argument("--at", type=float, required=True, help="stop time [s]")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--set", action="append", default=[], dest="sets")
    p.add_argument("--resume-comm", choices=("world", "self"), default="world")
    a = p.parse_args(argv)
    comm = parallel.self_comm() if a.resume_comm == "self" else None
    diffs = measure(api.load_case(a.case, a.sets), a.at, a.out, comm)
    man = json.loads((a.out / "cut" / "manifest.json").read_text())
    record = {
        "case": a.case,
        "sets": a.sets,
        "at_s": a.at,
        "ranks": parallel.size(),
        "resume_comm": a.resume_comm,
        "remeshes": man.get("remeshes"),
        "stop_reason": man.get("stop_reason"),
        "max_rel_diff": max(diffs.values()),
        "columns": diffs,
    }
    if parallel.is_root():
        (a.out / "restart_accuracy.json").write_text(json.dumps(record, indent=2))
        for k, v in sorted(diffs.items(), key=lambda kv: -kv[1]):
            print(f"{k:32s} {v:.3g}")
        print(f"max relative difference {record['max_rel_diff']:.3g} ({a.case}, at {a.at} s)")


if __name__ == "__main__":
    main()
