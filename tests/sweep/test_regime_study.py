"""The regime-map study end to end on a tiny grid (2 L/D x 2 T x 3 settings, coarse, short)."""

from __future__ import annotations

import csv
import math

import pytest

from dendrisim import api
from dendrisim.api.regime_map import RegimeSettings, base_case_text, robin_h_W_m2K
from dendrisim.config import load_case

TINY = RegimeSettings(
    aspect_ratios=(1.0, 30.0),
    temperatures_K=(400.0, 460.0),
    end_s=0.01,
    mesh_size_interface_um=0.025,
)


def test_robin_h_is_the_cell_share_of_the_cells_heat_loss(tmp_path):
    """h A_outer / C_unit = h_cell A_cell / C_cell: the unit cell cools like the cell."""
    from dendrisim.api.regime_map import CELL_SURFACE_HTC_W_M2K, CELL_SURFACE_M2, common_overrides

    base = tmp_path / "base.toml"
    base.write_text(base_case_text(), encoding="utf-8")
    case = load_case(base, overrides={**common_overrides(TINY), "geometry.aspect_ratio": 5.0})
    g, cell = case.geometry, case.cell
    c_cell = cell.cell_mass_g * cell.cell_cp_J_gK  # 13 g x 1.04 J/(g K) = 13.52 J/K
    c_unit = c_cell / (12.89) * g.analytic_interface_area_um2() * 1e-12  # share by area
    h = robin_h_W_m2K(case)
    tau_unit = c_unit / (h * math.pi * (g.cell_radius_um * 1e-6) ** 2)
    assert tau_unit == pytest.approx(c_cell / (CELL_SURFACE_HTC_W_M2K * CELL_SURFACE_M2), rel=2e-3)


@pytest.mark.slow
def test_regime_study_on_a_tiny_grid_makes_the_table_and_the_map(tmp_path):
    out = tmp_path / "regime"
    report = api.regime(out=out, settings=TINY, workers=2)
    assert report.sweep_file.is_file() and report.table == out / "regime.csv"
    with open(out / "regime.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 and all(r["status"] == "finished" for r in rows)
    bi = {r["setting"]: float(r["Bi"]) for r in rows}
    assert bi["bath"] == math.inf and bi["adiabatic"] == 0.0 and 0 < bi["robin"] < 1
    for r in rows:  # in 0.01 s at most 460 K nothing runs away: field = lumped closely
        assert abs(float(r["d_retention"])) < 1e-4
        assert 0 < float(r["Da_0"]) < 1
    assert (out / "regime.md").read_text(encoding="utf-8").count("| T [K] \\ L/D |") == 21
    assert (out / "figures" / "regime.png").stat().st_size > 10_000
    plots = api.plot(out)  # `dendrisim plot` on the folder draws the map too
    assert any(p.name == "regime.png" for p in plots.files)
