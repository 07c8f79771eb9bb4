"""Summary tables of results (CSV with every number, Markdown for reading); no matplotlib."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dendrisim.io.result import SUMMARY_COLUMNS, Result, summarize
from dendrisim.solver.events import build_events

# Markdown: the columns a reader looks for first -> (header, format)
MARKDOWN_COLUMNS = (
    ("case", "case", "{}"),
    ("stop_reason", "stop", "{}"),
    ("t_end_s", "t_end [s]", "{:.3g}"),
    ("li_retention_end_pct", "Li retention at end [%]", "{:.2f}"),
    ("T_interface_end_K", "interface T at end [K]", "{:.2f}"),
    ("T_interface_peak_K", "peak interface T [K]", "{:.2f}"),
    ("dT_interface_peak_K", "peak ΔT [K]", "{:.3g}"),
    ("dT_adiabatic_bound_end_K", "ΔT_ad bound at end [K]", "{:.3g}"),
    ("onset_time_s", "self-heating onset [s]", "{:.3g}"),
    ("runaway_time_s", "runaway [s]", "{:.3g}"),
    ("critical_ambient_K", "Semenov critical ambient [K]", "{:.1f}"),
    ("induction_time_s", "FK adiabatic induction [s]", "{:.3g}"),
    ("left_induction", "left induction regime", "{}"),
    ("left_induction_s", "left it at [s]", "{:.4g}"),
    ("explosion_s", "explosion (max dT/dt) [s]", "{:.4g}"),
)


def summary_rows(results: Sequence[Result]) -> list[dict[str, Any]]:
    """The run summary (:func:`dendrisim.io.result.summarize`) of each result, in order."""
    return [summarize(r.timeseries, r.manifest, r.case, r.name) for r in results]


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """All summary columns, full precision (``repr``), empty cell for NaN."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SUMMARY_COLUMNS)
        for row in rows:
            w.writerow([_csv_cell(row.get(k)) for k in SUMMARY_COLUMNS])
    return path


def _csv_cell(v: Any) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    return "" if v is None else str(v)


def thresholds_note(results: Sequence[Result]) -> str:
    """The definitions of the events and temperatures the table shows, with each case's rates.

    The event definitions are those of :mod:`dendrisim.solver.events` (the live run's).
    """
    texts = sorted({_events_text(r) for r in results})
    return (
        " ".join(texts) + " Times are those the solver located (manifest), else interpolated "
        "between rows. Interface T: mean over the interface at the end; peak: the largest "
        "nodal value over the run. Criticality (docs/physics.md#criticality): the run's cell "
        "as a lumped Semenov cell (its heat capacity, heat loss and first-row heat release "
        "extrapolated with E); 'left induction regime': the interface temperature rose by "
        "more than the Frank-Kamenetskii scale R T0²/E within the run ('left it at': when; "
        "'explosion': the step of the largest heating rate, the inflection of T(t))."
    )


def _events_text(r: Result) -> str:
    ev = build_events(r.case)
    return f"Onset = {ev.get('onset').definition}. Runaway = {ev.get('runaway').definition}."


def markdown(rows: Sequence[dict[str, Any]], note: str = "") -> str:
    """A Markdown table of the key numbers ("–" where an event did not happen)."""
    cols = MARKDOWN_COLUMNS
    lines = [
        "| " + " | ".join(h for _, h, _ in cols) + " |",
        "|" + "|".join("---" if k in ("case", "stop_reason") else "---:" for k, _, _ in cols) + "|",
    ]
    for row in rows:
        cells = []
        for key, _, fmt in cols:
            v = row.get(key)
            if key == "onset_time_s" and row.get("onset_from_start") is True:
                cells.append("above threshold from the start")
            elif isinstance(v, float) and math.isnan(v):
                cells.append("–")
            else:
                cells.append(fmt.format(v) if v not in (None, "") else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def write_markdown(rows: Sequence[dict[str, Any]], path: Path, note: str = "") -> Path:
    """Write :func:`markdown` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(rows, note), encoding="utf-8")
    return path
