"""Run a phase of a study (Morris, then Sobol) through the sweep machinery, then analyse it.

Layout of a study folder ``out``::

    out/morris/samples.csv            the design (sampling-space and physical values)
    out/morris/<case>/                one sweep per case: s0000/, s0001/, ..., summary.csv
    out/morris/analysis.json          outputs' statistics, Morris indices, the claim's fraction
    out/sobol/...                     the same for Saltelli's design and the Sobol indices
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.sweep.driver import SweepReport, run_sweep
from dendrisim.sweep.sensitivity import analysis as an
from dendrisim.sweep.sensitivity.design import (
    PHASES,
    morris_design,
    problem,
    read_samples,
    sobol_design,
    sweep_specs,
    to_physical,
    write_samples,
)
from dendrisim.sweep.sensitivity.study import StudySpec
from dendrisim.sweep.spec import SweepError
from dendrisim.sweep.summary import atomic_write, read_summary


@dataclass
class PhaseReport:
    """What a phase call did: its sweeps and, when every case has run, the analysis."""

    phase: str
    out: Path
    sweeps: list[SweepReport] = field(default_factory=list)
    analysis: dict[str, Any] | None = None

    def __str__(self) -> str:
        lines = [f"{self.phase}: {self.out}"]
        lines += [f"  {r}".replace("\n", "\n  ") for r in self.sweeps]
        a = self.analysis
        if a:
            c = a["claim"]
            lines.append(
                f"claim holds in {c['fraction']:.3f} of {c['samples']} samples "
                f"(95 % CI {c['low']:.3f}–{c['high']:.3f}); analysis: {self.out / 'analysis.json'}"
            )
        return "\n".join(lines)


def sobol_keys(spec: StudySpec) -> list[str]:
    """The Sobol phase's parameters: given in the study, or the influential ones of Morris."""
    if spec.sobol.parameters:
        return list(spec.sobol.parameters)
    path = spec.out_dir() / "morris" / "analysis.json"
    if not path.is_file():
        raise SweepError(
            f"sobol: no Morris result at {path}; run `dendrisim sensitivity morris` first "
            "or list sobol.parameters in the study"
        )
    morris = json.loads(path.read_text("utf-8"))
    keys = [p["key"] for p in morris["parameters"]]
    return an.influential(morris["morris"], keys, spec.sobol.keep)


def run_phase(
    spec: StudySpec,
    phase: str,
    *,
    force: bool = False,
    collect: bool = False,
    retry_failed: bool = False,
    dry_run: bool = False,
    quiet: bool = False,
    only: list[str] | None = None,
    analyse_only: bool = False,
) -> PhaseReport:
    """Design, run (resumable: finished samples are kept) and analyse one phase.

    ``only``: run the sweeps of these cases only (e.g. one process per case); the analysis
    waits for a call that covers them all. ``analyse_only``: analyse what the case tables
    hold now (also while sweeps run; samples not finished in every case are dropped).
    """
    if phase not in PHASES:
        raise SweepError(f"phase {phase!r}: expected one of {', '.join(PHASES)}")
    out = spec.out_dir() / phase
    report = PhaseReport(phase, out.resolve())
    if analyse_only:
        report.analysis = analyse(spec, phase)
        return report
    params, U = morris_design(spec) if phase == "morris" else sobol_design(spec, sobol_keys(spec))
    unknown = sorted(set(only or []) - set(spec.cases))
    if unknown:
        raise SweepError(f"only: {unknown} are not cases of the study ({spec.cases})")
    sweeps = sweep_specs(spec, phase, params, to_physical(params, U))
    if not dry_run:
        write_samples(out / "samples.csv", params, U)
    for case, sw in zip(spec.cases, sweeps, strict=True):
        if only and case not in only:
            continue
        kw = {"collect": collect, "retry_failed": retry_failed, "dry_run": dry_run}
        report.sweeps.append(run_sweep(sw, force=force, quiet=quiet, **kw))
    if dry_run or only or any(r.script for r in report.sweeps):
        return report  # nothing ran here (SLURM: collect when the job arrays have run)
    report.analysis = analyse(spec, phase)
    return report


def analyse(spec: StudySpec, phase: str) -> dict[str, Any]:
    """Read a phase's sample table and per-case summaries; write ``analysis.json``."""
    out = spec.out_dir() / phase
    keys, U = read_samples(out / "samples.csv")
    params = [spec.parameter(k) for k in keys]
    n = len(U)
    rows = {}
    failed = {}
    for case in spec.cases:
        table = out / case / "summary.csv"
        rows[case] = read_summary(table) if table.is_file() else []
        failed[case] = sum(1 for r in rows[case] if r.get("status") != "finished")
    Y = an.sample_outputs(spec, rows, n)
    hold = an.claim_holds(Y)
    prob = problem(params)
    result: dict[str, Any] = {
        "study": spec.name,
        "phase": phase,
        "samples": n,
        "cases": list(spec.cases),
        "routine": spec.routine,
        "stable": spec.stable,
        "set": spec.set,
        "not_finished": failed,
        "parameters": [p.model_dump() | {"name": p.name} for p in params],
        "outputs": dict(an.output_names(spec)),
        "stats": an.summary_stats(Y),
        "claim": an.bootstrap_fraction(hold, spec.sobol.bootstrap, spec.seed)
        | {"ties": an.tie_fraction(Y)},
    }
    if phase == "morris":
        result["morris"] = an.morris_indices(params, U, Y, prob, spec)
        result["influential"] = an.influential(result["morris"], keys, spec.sobol.keep)
    else:
        result["sobol"] = an.sobol_indices(params, Y, prob, spec)
    result["values"] = {
        k: [None if not np.isfinite(v) else float(v) for v in y] for k, y in Y.items()
    }
    atomic_write(out / "analysis.json", json.dumps(result, indent=1, default=float))
    return result
