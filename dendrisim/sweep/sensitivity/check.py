"""The cheaper setting of a study against the default setting, on a few of its samples.

``run_check(spec, "morris", samples=[0, 64, 129])`` runs those samples of a phase again
with the study's ``check_runner`` (default: the FEM, ``dendrisim.api:run``, when the study
runs another runner such as the lumped unit cell) and without its ``cheap`` keys
(``out/check/<case>/``), and compares every output with the phase's runs: the largest
difference per output against the output's spread (standard deviation over the phase's
finished samples).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from dendrisim.sweep.driver import run_sweep
from dendrisim.sweep.sensitivity import analysis as an
from dendrisim.sweep.sensitivity.design import read_samples, sweep_specs, to_physical
from dendrisim.sweep.sensitivity.study import StudySpec
from dendrisim.sweep.spec import SweepError
from dendrisim.sweep.summary import atomic_write, read_summary


def default_samples(n: int, count: int = 4) -> list[int]:
    """``count`` samples spread evenly over a design of ``n``."""
    return sorted({int(i) for i in np.linspace(0, n - 1, min(count, n))})


def run_check(
    spec: StudySpec,
    phase: str = "morris",
    samples: list[int] | None = None,
    *,
    force: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    """Run ``samples`` of ``phase`` at the default setting; write ``out/check/analysis.json``."""
    base = spec.out_dir() / phase
    if not (base / "samples.csv").is_file():
        raise SweepError(f"check: {base / 'samples.csv'} missing; run the {phase} phase first")
    keys, U = read_samples(base / "samples.csv")
    samples = samples if samples else default_samples(len(U))
    bad = [i for i in samples if not 0 <= i < len(U)]
    if bad:
        raise SweepError(f"check: samples {bad} are not in 0..{len(U) - 1}")
    params = [spec.parameter(k) for k in keys]
    ref = spec.model_copy(
        update={
            "set": {k: v for k, v in spec.set.items() if k not in spec.cheap},
            "out": str(spec.out_dir() / "check"),
            "run": spec.run.model_copy(update={"runner": spec.check_runner}),
        }
    )
    X = to_physical(params, U[samples])
    for sw in sweep_specs(ref, "", params, X):
        run_sweep(sw, force=force, quiet=quiet)
    return _compare(spec, phase, samples)


def _outputs(spec: StudySpec, folder, n: int) -> dict[str, np.ndarray]:
    rows = {}
    for case in spec.cases:
        table = folder / case / "summary.csv"
        rows[case] = read_summary(table) if table.is_file() else []
    return an.sample_outputs(spec, rows, n)


def _compare(spec: StudySpec, phase: str, samples: list[int]) -> dict[str, Any]:
    """Cheap (the phase's runs) against default (the check's runs) per output."""
    n = len(read_samples(spec.out_dir() / phase / "samples.csv")[1])
    cheap = _outputs(spec, spec.out_dir() / phase, n)
    folder = spec.out_dir() / "check"
    Y = _outputs(spec, folder, len(samples))
    result: dict[str, Any] = {"phase": phase, "samples": samples, "dropped": spec.cheap}
    result["cheap_set"] = {k: spec.set[k] for k in spec.cheap}
    if spec.run.runner != spec.check_runner:
        result["cheap_set"]["run.runner"] = spec.run.runner
    per: dict[str, Any] = {}
    for name, ref in Y.items():
        c = cheap[name][samples]
        d = c - ref
        spread = float(np.nanstd(cheap[name], ddof=1))
        ok = np.isfinite(d)
        per[name] = {
            "default": [None if not np.isfinite(v) else float(v) for v in ref],
            "cheap": [None if not np.isfinite(v) else float(v) for v in c],
            "max_abs_diff": float(np.max(np.abs(d[ok]))) if ok.any() else None,
            "median_abs_diff": float(np.median(np.abs(d[ok]))) if ok.any() else None,
            "spread_std": spread,
            "compared": int(ok.sum()),
        }
    result["outputs"] = per
    # the paper's claim per sample, in both (None: a run of the sample failed)
    result["claim"] = {
        "default": [None if not np.isfinite(v) else bool(v) for v in an.claim_holds(Y)],
        "cheap": [
            None if not np.isfinite(v) else bool(v)
            for v in an.claim_holds({k: v[samples] for k, v in cheap.items()})
        ],
    }
    atomic_write(folder / "analysis.json", json.dumps(result, indent=1))
    return result
