"""One-at-a-time runs of a study: each chosen parameter at the ends of its range.

``run_oat(spec, keys)`` runs the nominal sample and, per key, the sample with that key at
``low`` and at ``high`` (every other parameter nominal) with the study's ``check_runner``
(the FEM by default) into ``out/oat/<case>/``, and writes ``out/oat/analysis.json``: each
output at the nominal point and its change at each end.  For inputs the study's runner
cannot see (the lumped model has no fields, so the electrolyte's thermal conductivity
and diffusivity do not enter it) this measures their effect where it exists.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from dendrisim.sweep.driver import run_sweep
from dendrisim.sweep.sensitivity import analysis as an
from dendrisim.sweep.sensitivity.design import sweep_specs
from dendrisim.sweep.sensitivity.study import StudySpec
from dendrisim.sweep.spec import SweepError
from dendrisim.sweep.summary import atomic_write, read_summary

PHASE = "oat"


def oat_points(spec: StudySpec, keys: list[str]) -> tuple[list[str], np.ndarray]:
    """Labels and physical values: nominal, then each key at low and at high."""
    known = [p.key for p in spec.parameters]
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise SweepError(f"oat: unknown parameter(s) {unknown}; the study's are {known}")
    params = [spec.parameter(k) for k in keys]
    if any(p.nominal is None for p in params):
        raise SweepError(f"oat: every parameter needs a nominal value ({keys})")
    nominal = np.array([float(p.nominal) for p in params])
    labels, rows = ["nominal"], [nominal]
    for j, p in enumerate(params):
        for end, v in (("low", p.low), ("high", p.high)):
            row = nominal.copy()
            row[j] = v
            labels.append(f"{p.key}={end}")
            rows.append(row)
    return labels, np.array(rows)


def run_oat(
    spec: StudySpec,
    keys: list[str],
    *,
    runner: str | None = None,
    force: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    """Run the one-at-a-time points (``runner``: default the study's check runner)."""
    labels, X = oat_points(spec, keys)
    params = [spec.parameter(k) for k in keys]
    ref = spec.model_copy(
        update={"run": spec.run.model_copy(update={"runner": runner or spec.check_runner})}
    )
    for sw in sweep_specs(ref, PHASE, params, X):
        run_sweep(sw, force=force, quiet=quiet)
    return analyse_oat(spec, keys)


def analyse_oat(spec: StudySpec, keys: list[str]) -> dict[str, Any]:
    """Outputs at the nominal point and their change at each end; ``analysis.json``."""
    labels, _ = oat_points(spec, keys)
    folder = spec.out_dir() / PHASE
    rows = {}
    for case in spec.cases:
        table = folder / case / "summary.csv"
        rows[case] = read_summary(table) if table.is_file() else []
    Y = an.sample_outputs(spec, rows, len(labels))
    out: dict[str, Any] = {"keys": keys, "points": labels, "outputs": {}}
    for name, y in Y.items():
        out["outputs"][name] = {
            "values": [None if not np.isfinite(v) else float(v) for v in y],
            "change": [None if not np.isfinite(v) else float(v - y[0]) for v in y],
        }
    atomic_write(folder / "analysis.json", json.dumps(out, indent=1))
    return out
