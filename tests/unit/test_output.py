"""Results folder: manifest contents, protection of finished results, Result loading."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core.errors import ResultsExistError
from dendrisim.io import run_folder as output
from dendrisim.io.result import Result
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, read_timeseries


def test_manifest_written_and_finished_result_protected(tmp_path):
    case = load_case("fig5-routine")
    rd = output.ResultsDir.prepare(case, tmp_path / "r")
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["status"] == "running" and m["case"] == "fig5-routine" and m["ranks"] >= 1
    assert "numpy" in m["versions"] and "pydantic" in m["versions"]
    assert (tmp_path / "r" / "case.toml").is_file()
    rd.finish(output.FINISHED, "end_time")
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["status"] == "finished" and m["stop_reason"] == "end_time"
    assert m["wall_time_s"] >= 0
    with pytest.raises(ResultsExistError, match="--force"):
        output.ResultsDir.prepare(case, tmp_path / "r")
    (tmp_path / "r" / "stale.txt").write_text("x")
    output.ResultsDir.prepare(case, tmp_path / "r", force=True)
    assert not (tmp_path / "r" / "stale.txt").exists()


def test_failed_result_may_be_rerun_without_force(tmp_path):
    case = load_case("fig5-routine")
    rd = output.ResultsDir.prepare(case, tmp_path / "r")
    rd.finish(output.FAILED, "diverged")
    output.ResultsDir.prepare(case, tmp_path / "r")  # no error


def test_result_loads_timeseries_and_ignores_truncated_row(tmp_path):
    case = load_case("fig5-routine")
    rd = output.ResultsDir.prepare(case, tmp_path / "r")
    rows = [",".join(TIMESERIES_COLUMNS)]
    for i in range(3):
        rows.append(",".join(str(float(i + j)) for j in range(len(TIMESERIES_COLUMNS))))
    rows.append("3.0,1.0")  # a row cut short by a killed run
    (tmp_path / "r" / "timeseries.csv").write_text("\n".join(rows) + "\n")
    rd.finish(output.FINISHED, "end_time")
    res = Result.load(tmp_path / "r")
    assert res.status == "finished" and res.stop_reason == "end_time"
    assert res.name == "fig5-routine"
    np.testing.assert_allclose(res["time_s"], [0.0, 1.0, 2.0])
    assert set(TIMESERIES_COLUMNS) <= set(read_timeseries(tmp_path / "r" / "timeseries.csv"))
