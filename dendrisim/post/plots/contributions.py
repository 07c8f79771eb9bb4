"""The Fig. 5 table's split of the routine-stable difference into shape and SEI (no matplotlib).

The three built-in Fig. 5 cases (:data:`FIG5_CASES`, equal Li volume) differ one thing at a
time: the needle and the deposit with the routine SEI differ in shape only, the deposit with
the routine and with the stable SEI in the SEI only.  So for every summary number x

    x(routine) - x(stable) = [x(needle, routine SEI) - x(deposit, routine SEI)]    (shape)
                           + [x(deposit, routine SEI) - x(deposit, stable SEI)]    (SEI)

The table's "routine - stable" column is the sum of the two parts (so it adds up exactly);
it equals x(needle, routine SEI) - x(deposit, stable SEI) up to one rounding.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (needle + routine SEI, deposit + routine SEI, deposit + stable SEI): the roles, in order
FIG5_CASES = ("fig5-needle-routine-sei", "fig5-deposit-routine-sei", "fig5-deposit-stable-sei")
# the same three cases by their first names (kept: case names are a contract)
FIG5_ALIASES = dict(
    zip(("fig5-routine", "fig5-stable", "fig5-stable-sei"), FIG5_CASES, strict=True)
)
# summary column -> (quantity as printed, format)
SPLIT_QUANTITIES = {
    "li_retention_end_pct": ("Li retention at end [%]", "{:.2f}"),
    "T_interface_end_K": ("interface T at end [K]", "{:.2f}"),
    "dT_interface_peak_K": ("peak ΔT [K]", "{:.3g}"),
    "heat_released_end_J": ("heat released [J]", "{:.3g}"),
}
SPLIT_COLUMNS = (
    "quantity",
    "needle_routine_sei",
    "deposit_routine_sei",
    "deposit_stable_sei",
    "shape",
    "sei",
    "routine_minus_stable",
    "shape_share_pct",
)


def split_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per :data:`SPLIT_QUANTITIES` from the summaries of the three cases, in order.

    ``rows``: the summaries (:func:`dendrisim.io.result.summarize`) of the needle with the
    routine SEI, the deposit with the routine SEI and the deposit with the stable SEI.
    """
    if len(rows) != 3:
        raise ValueError(
            f"the Fig. 5 split needs 3 summaries ({', '.join(FIG5_CASES)}), got {len(rows)}"
        )
    out = []
    for key in SPLIT_QUANTITIES:
        a, b, c = (float(r.get(key, math.nan)) for r in rows)
        shape, sei = a - b, b - c
        total = shape + sei
        share = 100.0 * shape / total if total != 0 else math.nan
        values = (a, b, c, shape, sei, total, share)
        out.append({"quantity": key, **dict(zip(SPLIT_COLUMNS[1:], values, strict=True))})
    return out


def fig5_split(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """:func:`split_rows` when ``rows`` are the three Fig. 5 cases (any order), else None."""
    by_role = {FIG5_ALIASES.get(r.get("case"), r.get("case")): r for r in rows}
    if len(rows) != 3 or set(by_role) != set(FIG5_CASES):
        return None
    return split_rows([by_role[name] for name in FIG5_CASES])


def split_markdown(split: Sequence[dict[str, Any]]) -> str:
    """The split as a Markdown table with its definition underneath."""
    head = (
        "| quantity | needle, routine SEI | deposit, routine SEI | deposit, stable SEI "
        "| shape (needle − deposit, routine SEI) | SEI (deposit: routine − stable SEI) "
        "| routine − stable (= shape + SEI) | shape share [%] |"
    )
    lines = [head, "|---" + "|---:" * 7 + "|"]
    for row in split:
        label, fmt = SPLIT_QUANTITIES[row["quantity"]]
        cells = [fmt.format(row[k]) for k in SPLIT_COLUMNS[1:-1]]
        share = row["shape_share_pct"]
        cells.append("–" if math.isnan(share) else f"{share:.1f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    note = (
        "Shape: the needle and the deposit (equal Li volume) with the routine SEI; SEI: the "
        "deposit with the routine and with the stable SEI. routine − stable is their sum "
        "(needle with the routine SEI minus deposit with the stable SEI, the paper's "
        "comparison)."
    )
    return "\n".join([*lines, "", note]) + "\n"


def write_split(split: Sequence[dict[str, Any]], stem: Path) -> list[Path]:
    """``<stem>.csv`` (full precision) and ``<stem>.md``."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = stem.with_suffix(".csv"), stem.with_suffix(".md")
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SPLIT_COLUMNS)
        for row in split:
            w.writerow([row["quantity"], *(repr(float(row[k])) for k in SPLIT_COLUMNS[1:])])
    md_path.write_text(split_markdown(split), encoding="utf-8")
    return [csv_path, md_path]
