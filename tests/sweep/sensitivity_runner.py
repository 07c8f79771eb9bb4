"""A stand-in for dendrisim.api.run with outputs known in closed form (sensitivity tests).

With u1 = (c_p,el − 1500)/700 and u2 = (k_el − 0.1)/0.2, both uniform on [0, 1] over the
test study's ranges:

- the routine needle (routine SEI, L/D > 2): retention 0.60 + 0.2 u1 + 0.1 u2, ΔT 5 + 4 u2
- the deposit with the stable SEI: retention 0.75, ΔT 6
- the deposit with the routine SEI: retention 0.70, ΔT 5.5

So retention(routine) − retention(stable) = −0.15 + 0.2 u1 + 0.1 u2 has Sobol indices
S1 = ST = (0.8, 0.2); ΔT(routine) − ΔT(stable) = −1 + 4 u2 has (0, 1); the claim
(routine loses more Li and heats more) holds where 0.2 u1 + 0.1 u2 < 0.15 and u2 > 0.25,
with probability ∫_{0.25}^{1} (0.75 − 0.5 u2) du2 = 0.328125.
"""

from __future__ import annotations

import json
from pathlib import Path

from dendrisim.config import Case
from dendrisim.io.result import Result
from dendrisim.io.run_folder import read_manifest
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, read_timeseries

CLAIM_PROBABILITY = 0.328125


def outputs(case: Case) -> tuple[float, float]:
    """(retention at the end [-], interface temperature rise [K]) of a case."""
    if case.sei.preset == "stable":
        return 0.75, 6.0
    g = case.geometry
    if g.length_um / g.diameter_um < 2.0:
        return 0.70, 5.5
    u1 = (case.electrolyte.heat_capacity_J_kgK - 1500.0) / 700.0
    u2 = (case.electrolyte.conductivity_W_mK - 0.1) / 0.2
    return 0.60 + 0.2 * u1 + 0.1 * u2, 5.0 + 4.0 * u2


def run(case: Case, out=None, force: bool = False, quiet: bool = True) -> Result:
    """Write a finished results folder whose last row holds :func:`outputs`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "case.toml").write_text("# resolved case (stand-in)\n" + case.to_toml(), "utf-8")
    ret, dT = outputs(case)
    T0 = case.thermal.initial_K
    rows = [
        [0.0, 0.0, 1.0, 1.0, 0.0, T0, T0, 0.0, 0.0, 7000.0, 0],
        [case.time.end_s, case.time.end_s, ret, ret, 1e-18, T0 + dT, T0 + dT, 0.0, 0.0, 7000.0, 3],
    ]
    lines = [",".join(TIMESERIES_COLUMNS)] + [",".join(repr(float(v)) for v in r) for r in rows]
    (out / "timeseries.csv").write_text("\n".join(lines) + "\n", "utf-8")
    manifest = {"case": case.name, "status": "finished", "stop_reason": "end_time", "ranks": 1}
    (out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return Result(
        path=out,
        case=case,
        manifest=read_manifest(out),
        timeseries=read_timeseries(out / "timeseries.csv"),
    )
