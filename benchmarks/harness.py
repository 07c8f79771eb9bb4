"""Shared benchmark plumbing: phase timers, peak memory, JSON lines, a readable table.

Every benchmark prints its figures and appends one JSON line per case to
``benchmarks/results/<name>.jsonl`` (rank 0), with the machine and versions, so runs on
different machines or commits can be compared.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dendrisim.core import parallel
from dendrisim.core.compat import versions
from dendrisim.io.run_folder import git_commit

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


class JitTimer:
    """Wall time spent in dolfinx's JIT (FFCx compile, or load from the disk cache).

    ``with JitTimer() as jit: ...`` wraps ``dolfinx.jit.ffcx_jit`` for the block;
    ``jit.seconds`` is the time inside it (max over ranks), ``jit.calls`` the number of
    forms/expressions, and ``jit.compiled`` the number of new files in the JIT cache
    (0 = everything came from the cache: a warm cache).  ``local_seconds`` is this
    rank's running total, readable inside the block.
    """

    def __init__(self, comm=None) -> None:
        self.comm = comm
        self.seconds = 0.0
        self.calls = 0
        self.compiled = 0
        self.local_seconds = 0.0

    def _cache_files(self) -> int:
        import dolfinx.jit

        cache = Path(dolfinx.jit.get_options()["cache_dir"])
        return sum(1 for f in cache.glob("*.so")) if cache.is_dir() else 0

    def __enter__(self) -> JitTimer:
        import dolfinx.jit

        self._orig = dolfinx.jit.ffcx_jit
        self._before = parallel.on_root(self._cache_files, self.comm)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return self._orig(*args, **kwargs)
            finally:
                self.local_seconds += time.perf_counter() - t0
                self.calls += 1

        dolfinx.jit.ffcx_jit = timed
        return self

    def __exit__(self, *exc) -> None:
        import dolfinx.jit

        dolfinx.jit.ffcx_jit = self._orig
        self.seconds = parallel.global_max(self.local_seconds, self.comm)
        after = parallel.on_root(self._cache_files, self.comm)
        self.compiled = max(0, int(after) - int(self._before))


def fixed_steps(dt_s: float, steps: int, formulation: str) -> dict[str, Any]:
    """Case keys of a timing benchmark: ``steps`` fixed steps of ``dt_s`` [s], no stop on
    runaway, no temperature-step control, no field output."""
    return {
        "geometry.formulation": formulation,
        "time.end_s": dt_s * steps,
        "time.dt_initial_s": dt_s,
        "time.dt_max_s": dt_s,
        "time.max_dT_per_step_K": 1e3,
        "stop.runaway_stops": False,
        "output.fields": [],
    }


def fit_exponent(sizes: list[float], seconds: list[float]) -> tuple[float, float]:
    """Least-squares fit of ``seconds = a * sizes**p`` in log-log; returns ``(p, a)``.

    Needs at least two distinct positive sizes and positive times.
    """
    if len(sizes) != len(seconds):
        raise ValueError("sizes and seconds differ in length")
    pts = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds, strict=True)]
    if any(not (n > 0 and t > 0) for n, t in zip(sizes, seconds, strict=True)):
        raise ValueError("sizes and seconds must be positive")
    if len({x for x, _ in pts}) < 2:
        raise ValueError("need at least two distinct sizes")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    p = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    return p, math.exp(my - p * mx)


PETSC_EVENTS = {"residual": "SNESFunctionEval", "jacobian": "SNESJacobianEval"}


def petsc_event_seconds() -> dict[str, float]:
    """Cumulative PETSc event times (residual and Jacobian assembly) [s], max over ranks.

    Call ``PETSc.Log.begin()`` once before the first measurement.
    """
    from petsc4py import PETSc

    return {
        k: parallel.global_max(float(PETSc.Log.Event(n).getPerfInfo()["time"]))
        for k, n in PETSC_EVENTS.items()
    }


def step_split(
    timings: dict[str, float],
    events: dict[str, float],
    run_s: float,
    steps: int,
    jit_in_run_s: float = 0.0,
) -> dict[str, float]:
    """Seconds per step of a run, split into the issue's phases.

    ``timings`` is ``RunSummary.timings`` (newton, mesh_motion, observables, output),
    ``events`` the PETSc event seconds spent during the run.  assembly = residual +
    Jacobian assembly inside Newton; solve = the rest of Newton (linear solves, line
    search); other = the time loop's remainder (step control, copies).  ``run_s``
    excludes JIT; ``jit_in_run_s`` is any JIT time left inside the loop (the moving-mesh
    forms now compile when the simulation is set up, so it is usually 0), taken off the
    mesh-motion phase.
    """
    steps = max(steps, 1)
    assembly = events.get("residual", 0.0) + events.get("jacobian", 0.0)
    newton = parallel.global_max(timings.get("newton", 0.0))
    phases = {"assembly": assembly, "solve": max(newton - assembly, 0.0)}
    for k in ("mesh_motion", "observables", "output"):
        phases[k] = parallel.global_max(timings.get(k, 0.0))
    phases["mesh_motion"] = max(phases["mesh_motion"] - jit_in_run_s, 0.0)
    phases["other"] = max(run_s - sum(phases.values()), 0.0)
    out = {"s_per_step": run_s / steps}
    out.update({f"{k}_s_per_step": v / steps for k, v in phases.items()})
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MiB], maximum over ranks."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return parallel.global_max(kb / 1024.0)


def rss_now_mb() -> float:
    """Resident memory of this process now [MiB] (Linux /proc), maximum over ranks.

    Unlike the peak, it is not carried over from earlier cases in the same process.
    """
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        local = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        local = math.nan
    return parallel.global_max(local)


def machine() -> dict[str, Any]:
    """Where and with what the benchmark ran."""
    return {
        "host": platform.node(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "ranks": parallel.size(),
        "git_commit": git_commit(),
        "versions": {
            k: v
            for k, v in versions().items()
            if k
            in (
                "dendrisim",
                "dolfinx",
                "fenics-dolfinx",
                "dolfinx-solver-real",
                "gmsh",
                "numpy",
                "petsc4py",
            )
        },
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # 1, 5, 15 min load average when the row was written (> cores: a shared machine)
        "loadavg": list(os.getloadavg()),
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
    widths = [
        max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
        for i, c in enumerate(columns)
    ]
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)
