"""Outputs of a study's samples and their sensitivity indices (SALib), pure numpy.

Outputs per sample: Li retention at the end [%] and the interface temperature rise [K] of
each case, the routine − stable differences of both, and whether the paper's claim holds
(the routine case loses more Li AND heats more than the stable one). Samples whose run
failed are dropped whole: a Morris trajectory, or a Saltelli block of one base sample, so
what is analysed keeps SALib's structure; the number dropped is reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.sweep.sensitivity.study import Parameter, StudySpec

# the sweep's summary.csv columns: the retention by moles (the FEM's volume-based one lags
# it by up to a few points in a runaway; docs/fig5.md#accuracy-in-time), else by volume
RETENTION_COLUMN = "li_retention_moles_end"
RETENTION_FALLBACK = "li_retention_end"
DT_COLUMN = "dT_interface_max_K"


def output_names(spec: StudySpec) -> list[tuple[str, str]]:
    """(output name, its description with unit) in report order."""
    out = [(f"retention:{c}", f"Li retention at the end of {c} [%]") for c in spec.cases]
    out += [(f"dT:{c}", f"interface temperature rise of {c} [K]") for c in spec.cases]
    out += [
        ("retention:routine-stable", f"retention {spec.routine} − {spec.stable} [% points]"),
        ("dT:routine-stable", f"ΔT {spec.routine} − {spec.stable} [K]"),
    ]
    return out


def sample_outputs(spec: StudySpec, rows: dict[str, list[dict[str, Any]]], n: int):
    """Per-case summary rows (by sample order) -> {output: array of n}, NaN where missing."""
    Y: dict[str, np.ndarray] = {}
    for case in spec.cases:
        ret, dT = np.full(n, np.nan), np.full(n, np.nan)
        for i, row in enumerate(rows.get(case, [])[:n]):
            if row.get("status") != "finished":
                continue
            r = _num(row.get(RETENTION_COLUMN))
            ret[i] = 100.0 * (r if np.isfinite(r) else _num(row.get(RETENTION_FALLBACK)))
            dT[i] = _num(row.get(DT_COLUMN))
        Y[f"retention:{case}"], Y[f"dT:{case}"] = ret, dT
    Y["retention:routine-stable"] = Y[f"retention:{spec.routine}"] - Y[f"retention:{spec.stable}"]
    Y["dT:routine-stable"] = Y[f"dT:{spec.routine}"] - Y[f"dT:{spec.stable}"]
    return Y


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


# Retention differences [% points] below this are a tie: both cases burnt to the same end
# (the Li floor, or the EC used up), equal up to the solver's round-off (1e-12 in the lumped
# model), so the sign of such a difference is noise; a tie is not "the routine loses more".
TIE_POINTS = 1e-3


def claim_holds(Y: dict[str, np.ndarray]) -> np.ndarray:
    """1.0 where routine loses more Li and heats more than stable, 0.0 where not, NaN: failed.

    "More Li" means a retention lower by more than :data:`TIE_POINTS`.
    """
    dr, dt = Y["retention:routine-stable"], Y["dT:routine-stable"]
    hold = ((dr < -TIE_POINTS) & (dt > 0)).astype(float)
    hold[~(np.isfinite(dr) & np.isfinite(dt))] = np.nan
    return hold


def tie_fraction(Y: dict[str, np.ndarray]) -> float:
    """Fraction of the finished samples whose retentions tie (|difference| <= TIE_POINTS)."""
    dr = Y["retention:routine-stable"]
    ok = np.isfinite(dr)
    return float(np.mean(np.abs(dr[ok]) <= TIE_POINTS)) if ok.any() else float("nan")


def bootstrap_fraction(hold: np.ndarray, resamples: int, seed: int, level: float = 0.95):
    """Fraction of samples where the claim holds, with a percentile bootstrap CI."""
    h = hold[np.isfinite(hold)]
    if h.size == 0:
        return {"fraction": np.nan, "low": np.nan, "high": np.nan, "samples": 0}
    rng = np.random.default_rng(seed)
    boot = rng.choice(h, size=(resamples, h.size), replace=True).mean(axis=1)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(boot, [a, 1.0 - a])
    return {"fraction": float(h.mean()), "low": float(lo), "high": float(hi), "samples": h.size}


def _complete_groups(Y: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Mask of rows whose whole group (of ``size`` consecutive rows) has every output."""
    ok = np.all([np.isfinite(v) for v in Y.values()], axis=0)
    groups = ok.reshape(-1, size).all(axis=1)
    return np.repeat(groups, size)


def morris_indices(
    params: list[Parameter], U: np.ndarray, Y: dict[str, np.ndarray], problem: dict, spec
) -> dict[str, Any]:
    """Morris μ*, its CI, σ and μ per output (trajectories with a failed run dropped)."""
    from SALib.analyze import morris

    size = len(params) + 1
    keep = _complete_groups(Y, size)
    out: dict[str, Any] = {"trajectories_used": int(keep.sum() // size)}
    out["trajectories"] = int(len(keep) // size)
    if keep.sum() < 2 * size:
        out["indices"] = {}
        return out
    res = {}
    for name, y in Y.items():
        r = morris.analyze(
            problem,
            U[keep],
            y[keep],
            num_resamples=spec.sobol.bootstrap,
            num_levels=spec.morris.levels,
            seed=spec.seed,
        )
        res[name] = {
            k: [float(v) for v in r[k]] for k in ("mu_star", "mu_star_conf", "sigma", "mu")
        }
    out["indices"] = res
    return out


def sobol_indices(
    params: list[Parameter], Y: dict[str, np.ndarray], problem: dict, spec
) -> dict[str, Any]:
    """First-order and total Sobol indices with bootstrap CIs per output."""
    from SALib.analyze import sobol

    d = len(params)
    size = 2 * d + 2 if spec.sobol.second_order else d + 2
    keep = _complete_groups(Y, size)
    out: dict[str, Any] = {"base_samples_used": int(keep.sum() // size)}
    out["base_samples"] = int(len(keep) // size)
    res = {}
    for name, y in Y.items():
        yk = y[keep]
        if yk.size < 2 * size or np.ptp(yk) == 0.0:
            res[name] = None  # too few samples, or no variance to split
            continue
        r = sobol.analyze(
            problem,
            yk,
            calc_second_order=spec.sobol.second_order,
            num_resamples=spec.sobol.bootstrap,
            seed=spec.seed,
        )
        res[name] = {k: [float(v) for v in r[k]] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    out["indices"] = res
    return out


def influential(morris: dict[str, Any], keys: list[str], keep: int) -> list[str]:
    """The ``keep`` parameters of largest μ* relative to the largest μ* of any output."""
    score = np.zeros(len(keys))
    for r in morris.get("indices", {}).values():
        mu = np.asarray(r["mu_star"], dtype=float)
        top = np.nanmax(mu) if mu.size else 0.0
        if top > 0:
            score = np.maximum(score, mu / top)
    order = np.argsort(-score, kind="stable")
    return [keys[i] for i in order[: max(2, keep)]]


def summary_stats(Y: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation, 5 and 95 % quantiles of each output (completed samples)."""
    out = {}
    for name, y in Y.items():
        f = y[np.isfinite(y)]
        if f.size == 0:
            out[name] = dict.fromkeys(("mean", "std", "q05", "q95"), float("nan"))
            continue
        q05, q95 = np.quantile(f, [0.05, 0.95])
        out[name] = {
            "mean": float(f.mean()),
            "std": float(f.std(ddof=1)) if f.size > 1 else 0.0,
            "q05": float(q05),
            "q95": float(q95),
        }
    return out
