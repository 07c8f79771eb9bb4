"""Result object: time series, summary numbers, fields.xdmf reader (stored small result)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from dendrisim.core.errors import DendrisimError
from dendrisim.io.field_reader import _match_tags, read_fields
from dendrisim.io.result import SUMMARY_COLUMNS, Result
from dendrisim.io.timeseries import TIMESERIES_COLUMNS

DATA = Path(__file__).resolve().parents[1] / "data" / "result_small"
UM = 1e-6


@pytest.fixture(scope="module")
def result() -> Result:
    return Result.load(DATA)


def test_timeseries_columns_and_initial_state(result):
    ts = result.timeseries
    assert set(TIMESERIES_COLUMNS) <= set(ts)
    assert ts["time_s"][0] == 0.0 and np.all(np.diff(ts["time_s"]) > 0)
    assert ts["li_retention"][0] == 1.0 and np.all(np.diff(ts["li_retention"]) < 0)
    assert ts["T_interface_mean_K"][0] == pytest.approx(439.05, abs=1e-9)
    assert result.name == "fig5-routine" and result.stop_reason == "runaway"


def test_summary_equals_the_time_series(result):
    s = result.summary()
    ts = result.timeseries
    assert list(s) == list(SUMMARY_COLUMNS)
    assert s["t_end_s"] == ts["time_s"][-1]
    assert s["steps"] == ts["time_s"].size - 1
    assert s["li_retention_end_pct"] == pytest.approx(100 * ts["li_retention"][-1], rel=1e-14)
    assert s["T_interface_end_K"] == ts["T_interface_mean_K"][-1]
    assert s["T_interface_peak_K"] == ts["T_interface_max_K"].max()
    assert s["dT_interface_peak_K"] == pytest.approx(ts["T_interface_max_K"].max() - 439.05)
    # the solver's rule on the series: two steps above 60 K/min, accelerating
    rate = np.diff(ts["T_interface_mean_K"]) / np.diff(ts["time_s"]) * 60
    prev = np.concatenate([[0.0], rate[:-1]])
    first = int(np.argmax((rate > prev) & (prev > 60.0)))
    assert rate[first - 1] > 60 and np.all(rate[: first - 1] <= 60)
    assert s["runaway_time_s"] == ts["time_s"][first + 1] == result.manifest["runaway_s"]
    # 0.02 K/min is passed at once: no onset, "above threshold from the start"
    assert s["onset_from_start"] is True and math.isnan(s["onset_time_s"])
    assert s["heating_rate_peak_K_min"] == pytest.approx(rate.max(), rel=1e-12)


def test_manifest_events_win_over_the_series(result):
    r = Result(
        path=result.path,
        case=result.case,
        manifest=dict(result.manifest, runaway_s=2.0),
        timeseries=result.timeseries,
    )
    s = r.summary()
    assert s["runaway_time_s"] == 2.0
    assert s["runaway_T_K"] == pytest.approx(np.interp(2.0, r["time_s"], r["T_interface_mean_K"]))


def test_fields_layout(result):
    f = result.fields()
    assert f.names == ["T", "c", "displacement"]
    assert f.times.size == 3 and f.times[0] == 0.0
    assert f.times[-1] == pytest.approx(result["time_s"][-1])
    assert f.cell_type == "triangle" and f.cells.shape[1] == 3
    assert set(np.unique(f.cell_tags)) == {1, 2}
    # section of the unit cell: 0 <= r <= 0.5 µm, -0.5 <= z <= 5 µm
    assert f.points[:, 0].min() == pytest.approx(0.0, abs=1e-15)
    assert f.points[:, 0].max() == pytest.approx(0.5 * UM)
    assert f.points[:, 1].min() == pytest.approx(-0.5 * UM)
    assert f.points[:, 1].max() == pytest.approx(5.0 * UM)
    assert f.nearest_time(100.0) == f.times[-1] and f.nearest_time(-1) == f.times[-1]


def test_concentration_zero_in_lithium_and_masked(result):
    f = result.fields()
    el = f.electrolyte_nodes()
    c = f.get("c", 0.0)
    assert np.all(c[~el] == 0.0) and np.all(c[el] > 6000)
    cm = f.get("c", 0.0, mask_lithium=True)
    assert np.array_equal(np.isnan(cm), ~el)
    T = f.get("T", f.times[-1])
    assert T.shape == (len(f.points),) and np.all(T > 439.05)


def test_displacement_gives_the_li_retention(result):
    # revolved Li volume from the warped mesh = foil (pi R^2 s) + needle; the needle's part
    # must follow li_retention of the time series (same run)
    f = result.fields()
    foil = math.pi * (0.5 * UM) ** 2 * 0.5 * UM
    needle0 = f.lithium_volume(0.0) - foil
    assert needle0 == pytest.approx(result.case.geometry.analytic_volume_um3() * UM**3, rel=0.02)
    for t in f.times[1:]:
        ret = np.interp(t, result["time_s"], result["li_retention"])
        assert (f.lithium_volume(t) - foil) / needle0 == pytest.approx(ret, abs=2e-3)
    u = f.displacement(f.times[-1])
    assert u.shape == f.points.shape and np.abs(u).max() > 1e-9  # nm-scale recession


def test_match_tags_any_order():
    cells = np.array([[0, 1, 2], [1, 3, 2], [3, 4, 2]])
    tagged = np.array([[2, 4, 3], [0, 1, 2]])  # permuted rows and nodes, one cell untagged
    assert _match_tags(cells, tagged, np.array([2, 1])).tolist() == [1, 0, 2]


def test_missing_h5_is_a_clear_error(tmp_path):
    shutil.copy(DATA / "fields.xdmf", tmp_path / "fields.xdmf")
    with pytest.raises(DendrisimError, match="fields.h5"):
        read_fields(tmp_path / "fields.xdmf")
    with pytest.raises(DendrisimError, match="no fields file"):
        read_fields(tmp_path / "nothing.xdmf")
    (tmp_path / "bad.xdmf").write_text("<Xdmf><Domain>", encoding="utf-8")
    with pytest.raises(DendrisimError, match="not readable XDMF"):
        read_fields(tmp_path / "bad.xdmf")
