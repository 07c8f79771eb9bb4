"""Samples of a study (SALib Morris / Saltelli) and the sweeps that run them.

Each sample is run as one explicit case (``s0000``, ``s0001``, ...) of one sweep per study
case (``out/<phase>/<case>/``), so the sweep machinery does the work: local, MPI or SLURM
back ends, resume, one ``summary.csv`` per case, failures recorded and not fatal.
Log-scaled parameters are sampled uniformly in log10; the sample table holds both the
sampling-space values (what SALib analyses) and the physical values.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.config import load_case
from dendrisim.core.errors import CaseError
from dendrisim.sweep.sensitivity.study import Parameter, StudySpec
from dendrisim.sweep.spec import SweepError, SweepSpec, validate_sweep
from dendrisim.sweep.summary import atomic_write

PHASES = ("morris", "sobol")


def problem(params: list[Parameter]) -> dict[str, Any]:
    """SALib's problem dict; bounds in the sampling space (log10 for log parameters)."""
    return {
        "num_vars": len(params),
        "names": [p.key for p in params],
        "bounds": [
            [np.log10(p.low), np.log10(p.high)] if p.scale == "log" else [p.low, p.high]
            for p in params
        ],
    }


def to_physical(params: list[Parameter], U: np.ndarray) -> np.ndarray:
    """Sampling-space values -> the values given to the cases (or factors)."""
    X = np.array(U, dtype=float, copy=True)
    for j, p in enumerate(params):
        if p.scale == "log":
            X[:, j] = 10.0 ** X[:, j]
    return X


def morris_design(spec: StudySpec) -> tuple[list[Parameter], np.ndarray]:
    """All parameters; r trajectories of D + 1 points (sampling space)."""
    from SALib.sample import morris

    params = list(spec.parameters)
    U = morris.sample(
        problem(params), spec.morris.trajectories, num_levels=spec.morris.levels, seed=spec.seed
    )
    return params, U


def sobol_design(spec: StudySpec, keys: list[str]) -> tuple[list[Parameter], np.ndarray]:
    """The chosen parameters; Saltelli's N (D + 2) (or N (2D + 2)) points (sampling space)."""
    from SALib.sample import sobol

    if len(keys) < 2:
        raise SweepError(f"sobol: at least two parameters are needed, got {keys}")
    params = [spec.parameter(k) for k in keys]
    U = sobol.sample(
        problem(params),
        spec.sobol.base_samples,
        calc_second_order=spec.sobol.second_order,
        seed=spec.seed,
    )
    return params, U


def sample_name(i: int) -> str:
    """Name of sample ``i`` (its case folder in every case's sweep)."""
    return f"s{i:04d}"


def _lookup(d: dict[str, Any], key: str) -> Any:
    node: Any = d
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def sample_overrides(
    spec: StudySpec, case: str, params: list[Parameter], row: np.ndarray
) -> dict[str, Any]:
    """Case-key overrides of one sample of one case.

    Parameters of the study not in ``params`` are held at their ``nominal`` value (when
    given); a ``factor`` parameter multiplies the key's value resolved with the sample's
    other overrides (e.g. the pre-exponential of the sample's activation energy).
    """
    varied = {p.key: float(v) for p, v in zip(params, row, strict=True)}
    values: dict[str, Any] = {}
    factors: dict[str, float] = {}
    for p in spec.parameters:
        if p.cases and case not in p.cases:
            continue
        v = varied.get(p.key, p.nominal)
        if v is None:
            continue
        (factors if p.kind == "factor" else values)[p.key] = v
    if factors:
        try:
            resolved = load_case(case, {**spec.overrides(case), **values}).to_dict()
        except CaseError as exc:
            raise SweepError(f"case {case!r} with {values}: {exc}") from None
        for key, f in factors.items():
            values[key] = float(f) * float(_lookup(resolved, key))
    return values


def sweep_specs(
    spec: StudySpec, phase: str, params: list[Parameter], X: np.ndarray
) -> list[SweepSpec]:
    """One sweep per study case; each sample one explicit case of it."""
    out = spec.out_dir() / phase
    sweeps = []
    for case in spec.cases:
        cases = [
            {"name": sample_name(i), **sample_overrides(spec, case, params, row)}
            for i, row in enumerate(X)
        ]
        raw = {
            "name": f"{spec.name}-{phase}-{case}"[:100],
            "description": f"{phase} samples of {case} ({spec.name})",
            "base": case,
            "out": str(out / case),
            "set": spec.overrides(case),
            "cases": cases,
            "run": spec.run.model_dump(),
            "slurm": spec.slurm.model_dump(),
        }
        sweeps.append(validate_sweep(raw, f"{phase} of {case}"))
    return sweeps


def write_samples(path: Path, params: list[Parameter], U: np.ndarray) -> None:
    """``samples.csv``: sample name, sampling-space values (``u:``) and physical values."""
    X = to_physical(params, U)
    head = ["sample", *[f"u:{p.key}" for p in params], *[p.key for p in params]]
    lines = [",".join(head)]
    for i, (u, x) in enumerate(zip(U, X, strict=True)):
        lines.append(",".join([sample_name(i), *(repr(float(v)) for v in (*u, *x))]))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "\n".join(lines) + "\n")


def read_samples(path: Path) -> tuple[list[str], np.ndarray]:
    """Keys and sampling-space values of ``samples.csv``."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    keys = [h[2:] for h in rows[0] if h.startswith("u:")]
    U = np.array([[float(v) for v in r[1 : 1 + len(keys)]] for r in rows[1:]], dtype=float)
    return keys, U.reshape(len(rows) - 1, len(keys))
