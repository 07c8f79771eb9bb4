"""The three Fig. 5 cases (names that say what differs), the table's shape/SEI split and the
three-line Fig. 5d plot (issue 15)."""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from dendrisim import api  # noqa: E402
from dendrisim.config import builtin_case_names, load_case  # noqa: E402
from dendrisim.config.cell import numbers_of  # noqa: E402
from dendrisim.config.unit_cell import unit_cell_of  # noqa: E402
from dendrisim.post.plots.contributions import (  # noqa: E402
    FIG5_ALIASES,
    FIG5_CASES,
    fig5_split,
    split_rows,
)
from dendrisim.post.plots.style import CASE_COLORS  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"


def _body(name: str) -> dict:
    d = load_case(name).to_dict()
    d.pop("name"), d.pop("description")
    return d


def test_three_cases_say_what_differs_and_the_old_names_still_work():
    assert set(FIG5_CASES) | set(FIG5_ALIASES) <= set(builtin_case_names())
    for old, new in FIG5_ALIASES.items():
        # the old names: the same dendrites in the earlier hand-picked cell, without [cell]
        a, b = _body(old), _body(new)
        cell = b.pop("cell")
        assert cell["derive_unit_cell"] and cell["enabled"] and not a.pop("cell")["enabled"]
        assert (a["geometry"]["cell_radius_um"], a["geometry"]["electrolyte_height_um"]) == (0.5, 5)
        for key in ("cell_radius_um", "electrolyte_height_um", "mesh_size_interface_um"):
            a["geometry"].pop(key, None), b["geometry"].pop(key, None)
        assert a == b and load_case(new).name == new
    needle, dep_routine, dep_stable = (load_case(n) for n in FIG5_CASES)
    # shape alone: only the geometry differs; SEI alone: only the sei section
    assert _body(FIG5_CASES[0])["sei"] == _body(FIG5_CASES[1])["sei"]
    assert _body(FIG5_CASES[0])["geometry"] != _body(FIG5_CASES[1])["geometry"]
    a, b = _body(FIG5_CASES[1]), _body(FIG5_CASES[2])
    assert {k for k in a if a[k] != b[k]} == {"sei"}
    assert needle.geometry.length_um / needle.geometry.diameter_um == pytest.approx(10)
    assert dep_routine.geometry.analytic_volume_um3() == pytest.approx(
        needle.geometry.analytic_volume_um3(), rel=1e-8
    )
    assert dep_routine.sei.preset == "routine" and dep_stable.sei.preset == "stable"
    # the same cell around each: equal electrolyte and heat capacity per dendrite
    units = [unit_cell_of(c) for c in (needle, dep_routine, dep_stable)]
    for u in units[1:]:
        assert u.per_dendrite_um3 == pytest.approx(units[0].per_dendrite_um3, rel=1e-8)
    shares = [numbers_of(c).unit_heat_capacity_J_K for c in (needle, dep_routine, dep_stable)]
    assert shares[1] == shares[2] == pytest.approx(shares[0], rel=1e-8)
    for c in (needle, dep_routine):  # by Li volume and by area alike (26.32 m2/g [C])
        assert numbers_of(c).shape_area_ratio == pytest.approx(1.0, abs=2e-4)
    assert len({CASE_COLORS[n] for n in FIG5_CASES}) == 3


def _row(case, **values):
    return {"case": case, **values}


def test_split_sums_exactly_into_shape_and_sei():
    numbers = {  # awkward values (not within a factor 2 of each other)
        "li_retention_end_pct": (82.3123456789, 92.2987654321, 99.6000000001),
        "T_interface_end_K": (447.96, 442.92, 439.24),
        "dT_interface_peak_K": (8.9112345, 3.8712345, 0.1912345),
        "heat_released_end_J": (3.1e-13, 1.37e-13, 7.3e-15),
    }
    rows = [
        _row(name, **{k: v[i] for k, v in numbers.items()}) for i, name in enumerate(FIG5_CASES)
    ]
    split = split_rows(rows)
    assert [s["quantity"] for s in split] == list(numbers)
    for s in split:
        a, b, c = numbers[s["quantity"]]
        assert (s["needle_routine_sei"], s["deposit_routine_sei"], s["deposit_stable_sei"]) == (
            a,
            b,
            c,
        )
        assert s["shape"] == a - b and s["sei"] == b - c
        assert s["shape"] + s["sei"] == s["routine_minus_stable"]  # exactly, as printed
        assert s["routine_minus_stable"] == pytest.approx(a - c, rel=1e-15, abs=0)
        assert s["shape_share_pct"] == pytest.approx(100 * (a - b) / (a - c), rel=1e-12)
    # the same rows under the first names, in any order; other sets are not split
    old = {v: k for k, v in FIG5_ALIASES.items()}
    renamed = [dict(r, case=old[r["case"]]) for r in reversed(rows)]
    assert fig5_split(renamed) == split
    assert fig5_split(rows[:2]) is None and fig5_split([rows[0]] * 3) is None
    with pytest.raises(ValueError, match="needs 3 summaries"):
        split_rows(rows[:2])
    assert math.isnan(split_rows([rows[0]] * 3)[0]["shape_share_pct"])


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> list[Path]:
    spec = importlib.util.spec_from_file_location("mrs", DATA / "make_result_small.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    root = tmp_path_factory.mktemp("fig5")
    return [mod.write_result(root / n, load_case(n), fields=False) for n in FIG5_CASES]


def test_fig5d_shows_three_labelled_lines_and_the_table_splits(three, tmp_path):
    rep = api.plot(three, out=tmp_path / "fig5", formats="png")
    ret_ax, temp_ax = rep.figure.axes[:2]
    labels = [t.get_text() for t in ret_ax.get_legend().get_texts()]
    assert labels == list(FIG5_CASES)
    for ax in (ret_ax, temp_ax):
        drawn = [ln for ln in ax.get_lines() if ln.get_label() in FIG5_CASES]
        assert sorted(ln.get_label() for ln in drawn) == sorted(FIG5_CASES)
        colors = {matplotlib.colors.to_hex(ln.get_color()) for ln in drawn}
        assert colors == {CASE_COLORS[n] for n in FIG5_CASES}
    names = sorted(p.name for p in rep.files)
    assert "contributions.csv" in names and "contributions.md" in names
    assert "shape (needle − deposit, routine SEI)" in rep.markdown
    with open(tmp_path / "fig5" / "contributions.csv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    expected = split_rows(rep.rows)
    assert [r["quantity"] for r in table] == [e["quantity"] for e in expected]
    for got, want in zip(table, expected, strict=True):
        assert float(got["shape"]) == want["shape"] and float(got["sei"]) == want["sei"]
        assert float(got["routine_minus_stable"]) == float(got["shape"]) + float(got["sei"])
