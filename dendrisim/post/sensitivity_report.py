"""docs/sensitivity.md from a study's ``analysis.json`` files (no plotting here).

The page is generated: ``dendrisim sensitivity report`` rewrites it from the study folder,
so every number on it comes from the study's runs.
"""

from __future__ import annotations

import math
from typing import Any

from dendrisim.sweep.sensitivity.study import StudySpec


def _g(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.{digits}g}"


def _f(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:.{digits}f}"


def parameter_table(spec: StudySpec) -> list[str]:
    """Every sampled parameter: key, range, scale, nominal, tag and the source of its range."""
    lines = [
        "| parameter | case key | range | scale | nominal | applies to "
        "| tag and source of the range |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in spec.parameters:
        unit = f" {p.unit}" if p.unit and p.unit != "1" else ""
        key = f"`{p.key}`" + (" (factor)" if p.kind == "factor" else "")
        cases = ", ".join(f"`{c}`" for c in p.cases) if p.cases else "all"
        lines.append(
            f"| {p.name} | {key} | {_g(p.low)} – {_g(p.high)}{unit} | {p.scale} | "
            f"{_g(p.nominal)} | {cases} | {p.tag} {p.source} |"
        )
    return lines


def stats_table(a: dict[str, Any]) -> list[str]:
    """Mean, standard deviation and 5–95 % range of each output over a phase's samples."""
    lines = ["| output | mean | std | 5 % | 95 % |", "|---|---:|---:|---:|---:|"]
    for name, desc in a["outputs"].items():
        s = a["stats"][name]
        lines.append(
            f"| {desc} | {_f(s['mean'])} | {_f(s['std'])} | {_f(s['q05'])} | {_f(s['q95'])} |"
        )
    return lines


def morris_tables(a: dict[str, Any]) -> list[str]:
    """One table per output: μ* with its 95 % CI, σ and μ of every parameter."""
    names = [p["name"] for p in a["parameters"]]
    lines: list[str] = []
    for out, desc in a["outputs"].items():
        r = a["morris"]["indices"].get(out)
        if not r:
            continue
        lines += [f"**{desc}**", "", "| parameter | μ* | ± 95 % CI | σ | μ |"]
        lines.append("|---|---:|---:|---:|---:|")
        order = sorted(range(len(names)), key=lambda i: -r["mu_star"][i])
        for i in order:
            lines.append(
                f"| {names[i]} | {_g(r['mu_star'][i])} | {_g(r['mu_star_conf'][i], 2)} | "
                f"{_g(r['sigma'][i])} | {_g(r['mu'][i])} |"
            )
        lines.append("")
    return lines


def sobol_tables(a: dict[str, Any]) -> list[str]:
    """One table per output: S1 and ST with their 95 % bootstrap CIs."""
    names = [p["name"] for p in a["parameters"]]
    lines: list[str] = []
    for out, desc in a["outputs"].items():
        r = a["sobol"]["indices"].get(out)
        if not r:
            lines += [f"**{desc}**: constant over the samples (no variance to split).", ""]
            continue
        lines += [f"**{desc}**", "", "| parameter | S1 | ± 95 % CI | ST | ± 95 % CI |"]
        lines.append("|---|---:|---:|---:|---:|")
        for i, n in enumerate(names):
            lines.append(
                f"| {n} | {_f(r['S1'][i])} | {_f(r['S1_conf'][i])} | {_f(r['ST'][i])} | "
                f"{_f(r['ST_conf'][i])} |"
            )
        lines.append(f"| sum | {_f(sum(r['S1']))} | | {_f(sum(r['ST']))} | |")
        lines.append("")
    return lines


def claim_line(a: dict[str, Any]) -> str:
    """The claim's fraction with its CI, in words (and the ties, when counted)."""
    c = a["claim"]
    line = (
        f"**{_f(c['fraction'])}** of {c['samples']} samples (95 % bootstrap CI "
        f"{_f(c['low'])} – {_f(c['high'])})"
    )
    if c.get("ties") is not None:
        line += (
            f"; in {_f(c['ties'])} of them both cases burn to the same end (retentions "
            "within 1e-3 points: the Li floor or the EC used up), a tie, counted as not holding"
        )
    return line


def check_table(chk: dict[str, Any]) -> list[str]:
    """Cheap vs default setting: the largest and median difference against the spread."""
    lines = [
        "| output | largest \\|cheap − default\\| | median | spread of the output (std "
        "over the samples) | samples compared |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in chk["outputs"].items():
        lines.append(
            f"| {name} | {_g(r['max_abs_diff'], 2)} | {_g(r.get('median_abs_diff'), 2)} "
            f"| {_g(r['spread_std'], 3)} | {r['compared']} |"
        )
    return lines


def _yn(v: Any) -> str:
    return "–" if v is None else ("yes" if v else "no")


def check_samples_table(chk: dict[str, Any]) -> list[str]:
    """Per sample: the claim and the routine − stable differences, default / cheap."""
    claim = chk.get("claim")
    if not claim:
        return []
    ret, dT = chk["outputs"]["retention:routine-stable"], chk["outputs"]["dT:routine-stable"]
    lines = [
        "| sample | claim (default / cheap) | retention routine − stable [% points] | "
        "ΔT routine − stable [K] |",
        "|---:|---|---:|---:|",
    ]
    for i, s in enumerate(chk["samples"]):
        lines.append(
            f"| {s} | {_yn(claim['default'][i])} / {_yn(claim['cheap'][i])} "
            f"| {_g(ret['default'][i])} / {_g(ret['cheap'][i])} "
            f"| {_g(dT['default'][i])} / {_g(dT['cheap'][i])} |"
        )
    both = [(a, b) for a, b in zip(claim["default"], claim["cheap"], strict=True) if a is not None]
    agree = sum(a == b for a, b in both)
    lost = [s for s, a in zip(chk["samples"], claim["default"], strict=True) if a is None]
    lines += [
        "",
        f"The claim holds in {sum(a for a, _ in both)} of {len(both)} samples by the default "
        f"setting and in {sum(bool(b) for _, b in both)} by the cheaper one; the two agree in "
        f"{agree} of {len(both)}."
        + (f" Samples {lost}: a run of the default setting failed (–)." if lost else ""),
    ]
    return lines


def oat_section(oat: dict[str, Any] | None) -> list[str]:
    """The one-at-a-time runs (FEM) of the parameters the study's runner cannot see."""
    if not oat:
        return []
    pts = oat["points"]
    head = " | ".join(p.replace("=", " ") for p in pts[1:])
    lines = [
        "## Inputs the lumped model cannot see (FEM, one at a time)",
        "",
        "Each parameter at both ends of its range, the others nominal, run with the FEM "
        "(`dendrisim sensitivity oat`): the output at the nominal point and its change at "
        "each end. The lumped model gives a change of 0 for these by construction (no "
        "fields).",
        "",
        f"| output | nominal | {head} |",
        "|---|---:|" + "---:|" * (len(pts) - 1),
    ]
    for name, r in oat["outputs"].items():
        ch = " | ".join(_g(c, 3) for c in r["change"][1:])
        lines.append(f"| {name} | {_g(r['values'][0], 5)} | {ch} |")
    return lines + [""]


def _leaders(a: dict[str, Any], out: str, key: str, n: int = 2) -> str:
    names = [p["name"] for p in a["parameters"]]
    idx = a.get(key, {}).get("indices", {}).get(out)
    if not idx:
        return "–"
    vals = idx["ST"] if key == "sobol" else idx["mu_star"]
    order = sorted(range(len(names)), key=lambda i: -vals[i])[:n]
    fmt = _f if key == "sobol" else _g
    return ", ".join(f"{names[i]} ({fmt(vals[i])})" for i in order)


def findings(spec: StudySpec, analyses: dict[str, dict[str, Any]]) -> list[str]:
    """The page's short summary, computed from the analyses."""
    lines = []
    for phase, a in reversed(analyses.items()):
        design = "Saltelli design" if phase == "sobol" else "Morris design (grid levels, biased)"
        lines.append(f"- {design}: the paper's claim holds in {claim_line(a)}.")
    key = "sobol" if "sobol" in analyses else "morris"
    a = analyses.get(key)
    if a:
        what = "largest ST" if key == "sobol" else "largest μ*"
        for out in ("retention:routine-stable", "dT:routine-stable"):
            lines.append(f"- {a['outputs'][out]}: {what}: {_leaders(a, out, key)}.")
    return lines


def _runs_line(spec: StudySpec) -> str:
    unset = ", ".join(f"`{k}`" for k in spec.unset)
    return (
        "Every run is one of the cases "
        + ", ".join(f"`{c}`" for c in spec.cases)
        + " with the sample's values as `--set`-like overrides and these for all runs: "
        + ", ".join(f"`{k} = {v!r}`" for k, v in spec.set.items())
        + "."
        + (f" Left unset (derived): {unset}." if spec.unset else "")
        + "".join(
            f" In `{c}` also {', '.join(f'`{k} = {v!r}`' for k, v in kv.items())}."
            for c, kv in spec.case_set.items()
        )
    )


def _check_section(check: dict[str, Any] | None) -> list[str]:
    out = ["## Cost and accuracy", ""]
    if not check:
        return out + [
            "No check of the cheaper setting has been run (`dendrisim sensitivity check`).",
            "",
        ]
    cheap = ", ".join(f"`{k} = {v!r}`" for k, v in check["cheap_set"].items())
    return out + [
        f"The cheaper setting ({cheap}) against the cases' default of these keys on samples "
        f"{check['samples']} of the {check['phase']} design (`dendrisim sensitivity check`):",
        "",
        *check_table(check),
        "",
        *check_samples_table(check),
        "",
    ]


def _phase_section(spec: StudySpec, phase: str, a: dict[str, Any]) -> list[str]:
    lost = {c: n for c, n in a["not_finished"].items() if n}
    out = [f"## {phase.capitalize()}: outputs over {a['samples']} samples", ""]
    out += [f"Runs not finished (dropped with their trajectory or block): {lost or 'none'}.", ""]
    out += [*stats_table(a), ""]
    if phase == "morris" and a.get("morris", {}).get("indices"):
        m = a["morris"]
        out += [f"### Morris screening ({m['trajectories_used']} of {m['trajectories']} "
                f"trajectories, {spec.morris.levels} levels)", ""]  # fmt: skip
        out += [
            "μ*: mean absolute elementary effect over a step of 2/3 of the range "
            "(in the output's unit), σ its spread (non-linearity, interactions).",
            "",
        ]
        out += [*morris_tables(a)]
        out += [f"Taken on to Sobol (largest μ* relative to each output's largest): "
                f"{', '.join(f'`{k}`' for k in a.get('influential', []))}.", ""]  # fmt: skip
    if phase == "sobol" and a.get("sobol", {}).get("indices"):
        s = a["sobol"]
        out += [f"### Sobol indices (Saltelli, N = {s['base_samples_used']} of "
                f"{s['base_samples']}, 95 % bootstrap CIs)", ""]  # fmt: skip
        out += ["The parameters not listed are held at their nominal value.", ""]
        out += [*sobol_tables(a)]
    return out


def render_page(
    spec: StudySpec,
    analyses: dict[str, dict[str, Any]],
    check: dict[str, Any] | None,
    figures: list[str],
    intro: list[str],
    oat: dict[str, Any] | None = None,
) -> str:
    """The whole page as Markdown; ``intro`` and ``figures`` (relative paths) from the caller."""
    out = [f"# Sensitivity of the Fig. 5 conclusions ({spec.name})", "", *intro, ""]
    out += ["## Summary", "", *findings(spec, analyses), ""]
    out += ["## Parameters", "", *parameter_table(spec), "", _runs_line(spec), ""]
    out += _check_section(check)
    out += oat_section(oat)
    for phase, a in analyses.items():
        out += _phase_section(spec, phase, a)
    out += ["## Figures", ""]
    out += [f"![{f.rsplit('/', 1)[-1][:-4]}]({f})" + "\n" for f in figures]
    return "\n".join(out).rstrip() + "\n"
