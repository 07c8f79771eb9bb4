"""Expand a :class:`SweepSpec` into named, validated cases (grid x zipped groups + explicit)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from dendrisim.config import Case, load_case
from dendrisim.core.errors import CaseError
from dendrisim.sweep.spec import SweepError, SweepSpec

# last key segments too generic to name a case by themselves
_GENERIC = frozenset(
    {"preset", "enabled", "outer", "shape", "formulation", "moving", "scheme", "count", "linear"}
)
_TEMPLATE_RE = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
MAX_NAME = 120


@dataclass(frozen=True)
class SweepCase:
    """One case of a sweep: its name, the values that vary, all overrides, the valid case."""

    index: int
    name: str
    varied: dict[str, Any]  # axis / zip / explicit-case values that define this case
    overrides: dict[str, Any]  # [set] plus varied, as given to load_case
    case: Case = field(compare=False, repr=False)


def varying_keys(spec: SweepSpec) -> list[str]:
    """Keys that vary between cases, in file order (axes, zip groups, explicit cases)."""
    keys: list[str] = list(spec.axes)
    for group in spec.zip:
        keys += [k for k in group if k not in keys]
    for c in spec.cases:
        keys += [k for k in c if k != "name" and k not in keys]
    return keys


def _labels(keys: list[str]) -> dict[str, str]:
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {
        k: (k if (l in _GENERIC or last.count(l) > 1) else l)
        for k, l in zip(keys, last, strict=True)
    }


def format_value(v: Any, precise: bool = False) -> str:
    """A value as it appears in a case name (file-name safe)."""
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, float):
        text = repr(v) if precise else f"{v:g}"
    else:
        text = str(v)
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text)


def _auto_name(varied: dict[str, Any], labels: dict[str, str], precise: bool) -> str:
    return "_".join(f"{labels[k]}-{format_value(v, precise)}" for k, v in varied.items())


def _template_name(
    template: str,
    varied: dict[str, Any],
    overrides: dict[str, Any],
    resolved: dict[str, Any] | None,
) -> str:
    def value_of(key: str) -> Any:
        if key in varied:
            return varied[key]
        if key in overrides:
            return overrides[key]
        node: Any = resolved or {}
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise SweepError(
                    f"naming = {template!r}: {{{key}}} is neither a varied key nor a case key"
                )
            node = node[part]
        return node

    def sub(m: re.Match) -> str:
        v = value_of(m.group(1).strip())
        return format_value(format(v, m.group(2)) if m.group(2) else v)

    return _TEMPLATE_RE.sub(sub, template)


def _combinations(spec: SweepSpec) -> list[dict[str, Any]]:
    """Outer product of the axes and zipped groups, last axis fastest; then explicit cases."""
    groups: list[list[dict[str, Any]]] = [[{k: v} for v in vals] for k, vals in spec.axes.items()]
    for g in spec.zip:
        n = len(next(iter(g.values()))) if g else 0
        groups.append([{k: vals[i] for k, vals in g.items()} for i in range(n)])
    combos: list[dict[str, Any]] = []
    if groups:
        for parts in itertools.product(*groups):
            combos.append({k: v for part in parts for k, v in part.items()})
    combos += [dict(c) for c in spec.cases]
    if not combos:
        combos.append({})
    return combos


def expand(spec: SweepSpec) -> list[SweepCase]:
    """All cases of a sweep, named and validated; every invalid case is reported at once."""
    combos = _combinations(spec)
    labels = _labels(varying_keys(spec))
    base = spec.base_source()
    names: list[str] = []
    for precise in (False, True):
        names = []
        for combo in combos:
            varied = {k: v for k, v in combo.items() if k != "name"}
            if combo.get("name"):
                names.append(str(combo["name"]))
            elif spec.naming:
                names.append(
                    _template_name(spec.naming, varied, spec.set, None)
                    if "{" not in spec.naming or _only_varied(spec.naming, varied)
                    else ""
                )
            elif varied:
                names.append(_auto_name(varied, labels, precise))
            else:
                names.append(spec.name)
        if len(set(names)) == len(names) or spec.naming:
            break
    cases: list[SweepCase] = []
    problems: dict[str, list[str]] = {}
    for i, (combo, name) in enumerate(zip(combos, names, strict=True)):
        varied = {k: v for k, v in combo.items() if k != "name"}
        overrides = {**spec.set, **varied}
        try:
            case = load_case(base, overrides)
            if not name:  # template referring to resolved keys
                name = _template_name(spec.naming, varied, spec.set, case.to_dict())
            case = load_case(base, {**overrides, "name": name[:MAX_NAME]})
        except CaseError as exc:
            for p in exc.problems:
                problems.setdefault(p, []).append(name or f"#{i}")
            continue
        cases.append(
            SweepCase(index=i, name=case.name, varied=varied, overrides=overrides, case=case)
        )
    if problems:
        lines = [
            f"{p} (case{'s' if len(n) > 1 else ''} {', '.join(n[:3])}"
            f"{f' and {len(n) - 3} more' if len(n) > 3 else ''})"
            for p, n in problems.items()
        ]
        raise SweepError(lines, f"{spec.name!r} (base {spec.base!r})")
    seen: dict[str, int] = {}
    dups = []
    for c in cases:
        if c.name in seen:
            dups.append(f"cases #{seen[c.name]} and #{c.index} are both named {c.name!r}")
        seen.setdefault(c.name, c.index)
    if dups:
        raise SweepError(
            dups + ["give each [[cases]] entry a distinct name or change naming"], spec.name
        )
    return cases


def _only_varied(template: str, varied: dict[str, Any]) -> bool:
    return all(m.group(1).strip() in varied for m in _TEMPLATE_RE.finditer(template))
