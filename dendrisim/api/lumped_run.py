"""``dendrisim.api.lumped_run:run``: a sweep runner that solves the lumped unit cell.

The same signature as :func:`dendrisim.api.run` (``run(case, out, force, quiet)``), so a
sweep or a sensitivity study selects it with ``run.runner``; it writes a results folder
(``case.toml``, ``timeseries.csv`` with the contract columns, ``manifest.json``) that
``Result.load``, the sweep table and ``dendrisim plot`` read like a FEM run's. The model and
its limits: :mod:`dendrisim.physics.lumped_cell` (docs/sensitivity.md compares it with the FEM).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from dendrisim.config import Case
from dendrisim.core.errors import ResultsExistError, SimulationError
from dendrisim.io.result import Result
from dendrisim.io.run_folder import read_manifest
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, read_timeseries


def _manifest(out: Path, case: Case, status: str, reason: str | None, **extra) -> None:
    data = {"case": case.name, "status": status, "stop_reason": reason, "ranks": 1}
    data |= {"runner": "lumped unit cell (dendrisim.physics.lumped_cell)", **extra}
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(out / "manifest.json")


def run(case: Case, out=None, force: bool = False, quiet: bool = True) -> Result:
    """Solve the lumped unit cell of ``case``; write and return its results folder."""
    from dendrisim.physics.lumped_cell import run_lumped_case

    out = Path(out) if out else Path("results") / case.name
    old = read_manifest(out)
    if old and old.get("status") in ("finished", "running") and not force:
        raise ResultsExistError(f"{out} already holds a {old['status']} result; use force")
    out.mkdir(parents=True, exist_ok=True)
    (out / "case.toml").write_text("# resolved case (lumped runner)\n" + case.to_toml(), "utf-8")
    _manifest(out, case, "running", None)
    t0 = time.perf_counter()
    try:
        lr = run_lumped_case(case)
    except (RuntimeError, ValueError) as exc:
        _manifest(out, case, "failed", "diverged", error=str(exc))
        raise SimulationError(f"{case.name}: {exc}") from None
    rate = lr.rate_mol_s
    cols = {
        "time_s": lr.t_s,
        "dt_s": np.diff(lr.t_s, prepend=0.0),
        "li_retention": lr.retention,
        "li_retention_from_moles": lr.retention,
        "li_consumed_mol": lr.consumed_mol,
        "T_interface_mean_K": lr.T_K,
        "T_interface_max_K": lr.T_K,
        "reaction_rate_mol_s": rate,
        "heat_release_W": -case.kinetics.enthalpy_J_mol_Li * rate,
        "c_interface_min_mol_m3": lr.c_mol_m3,
        "newton_iterations": np.zeros(lr.t_s.size),
    }
    lines = [",".join(TIMESERIES_COLUMNS)]
    lines += [
        ",".join(repr(float(cols[c][i])) for c in TIMESERIES_COLUMNS) for i in range(lr.t_s.size)
    ]
    (out / "timeseries.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wall = time.perf_counter() - t0
    _manifest(out, case, "finished", lr.stop_reason, wall_time_s=wall, steps=lr.t_s.size - 1)
    return Result(
        path=out,
        case=case,
        manifest=read_manifest(out),
        timeseries=read_timeseries(out / "timeseries.csv"),
    )
