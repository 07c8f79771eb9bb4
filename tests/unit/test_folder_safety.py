"""Results folders: one run per folder (lock), --force only on dendrisim folders, crash-safe files.

Issue 13: two runs into one folder both started; --force emptied a foreign folder; a
foreign timeseries.csv was overwritten; a killed run stayed `running` forever; a full disk
left an empty manifest.json.tmp and a cut CSV row.
"""

from __future__ import annotations

import errno
import json
import signal
import time

import pytest

from dendrisim.cli.app import main
from dendrisim.config import load_case
from dendrisim.core.errors import DendrisimWarning, OutputError, ResultsExistError
from dendrisim.io import run_folder, timeseries
from dendrisim.io.folder_lock import is_locked
from dendrisim.io.result import Result
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, TimeSeriesCsv, read_timeseries
from tests.unit.run_process import dendrisim, snapshot, start_long_run

pytestmark = pytest.mark.skip_in_parallel
SHORT = ["--set", "time.end_s=0.05", "--set", "output.fields=[]", "--set", "interface.moving=false"]


def _cli(args, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


def test_second_run_stops_at_once_and_a_killed_run_reads_interrupted(tmp_path):
    out = tmp_path / "r"
    first = start_long_run(out)
    try:
        before = snapshot(out)
        t0 = time.monotonic()
        second = dendrisim("run", "fig5-stable", *SHORT, "--out", str(out))
        waited = time.monotonic() - t0
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "in use by another dendrisim run" in lines[0], lines
        assert str(out) in lines[0] and "pid" in lines[0]
        assert waited < 60
        after = snapshot(out)
        for name in set(before) - {"timeseries.csv"}:  # the first run keeps writing rows
            assert after[name] == before[name], name
        assert b"\0" not in after["timeseries.csv"][1]
        assert "in use" not in (out / "log.txt").read_text()
        assert is_locked(out) and run_folder.folder_status(out) == "running"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    # killed: the manifest still says running, the lock is free -> interrupted
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert not is_locked(out) and run_folder.folder_status(out) == "interrupted"
    with pytest.warns(DendrisimWarning, match=r"interrupted \(last row at t = [0-9.e-]+ s\)"):
        res = Result.load(out)
    assert res.status == "interrupted" and len(res["time_s"]) >= 5
    again = dendrisim("run", "fig5-stable", *SHORT, "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr  # an interrupted result is replaced
    assert Result.load(out).status == "finished"
    assert "replacing the interrupted (last row at t =" in (out / "log.txt").read_text()


def test_force_refuses_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "precious.txt").write_text("keep me")
    (out / "sub" / "thesis.tex").write_text("\\chapter{}")
    before = snapshot(out)
    code, err = _cli(["run", "fig5-stable", *SHORT, "--out", str(out), "--force"], capsys)
    assert code == 2 and str(out) in err and "holds no dendrisim result" in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(out) == before and {p.name for p in out.iterdir()} == {"sub", "precious.txt"}


def test_foreign_timeseries_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "timeseries.csv").write_text("my,own\n1,2\n")
    code, err = _cli(["run", "fig5-stable", *SHORT, "--out", str(out)], capsys)
    assert code == 2 and "no manifest.json" in err
    assert (out / "timeseries.csv").read_text() == "my,own\n1,2\n"
    assert sorted(p.name for p in out.iterdir()) == ["timeseries.csv"]


def test_force_replaces_a_finished_dendrisim_result_and_the_lock_excludes(tmp_path):
    case = load_case("fig5-stable")
    rd = run_folder.ResultsDir.prepare(case, tmp_path / "r")
    with pytest.raises(ResultsExistError, match="in use by another dendrisim run"):
        run_folder.ResultsDir.prepare(case, tmp_path / "r", force=True)
    rd.finish(run_folder.FINISHED, "end_time")
    (tmp_path / "r" / "notes.txt").write_text("x")
    with pytest.raises(ResultsExistError, match="already holds a finished result"):
        run_folder.ResultsDir.prepare(case, tmp_path / "r")
    assert (tmp_path / "r" / "notes.txt").exists()
    rd = run_folder.ResultsDir.prepare(case, tmp_path / "r", force=True)
    assert not (tmp_path / "r" / "notes.txt").exists()
    rd.release()


def test_full_disk_leaves_no_temp_manifest_and_the_old_one_whole(tmp_path, monkeypatch):
    case = load_case("fig5-stable")
    rd = run_folder.ResultsDir.prepare(case, tmp_path / "r")
    old = (tmp_path / "r" / "manifest.json").read_text()

    def enospc(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_folder.os, "fsync", enospc)
    with pytest.raises(OutputError, match="No space left on device") as exc:
        rd.finish(run_folder.FINISHED, "end_time")
    assert exc.value.exit_code == 3
    assert not (tmp_path / "r" / "manifest.json.tmp").exists()
    assert (tmp_path / "r" / "manifest.json").read_text() == old
    assert not rd.lock  # released even so


def test_full_disk_keeps_whole_csv_rows(tmp_path, monkeypatch):
    sink = TimeSeriesCsv(tmp_path / "timeseries.csv")
    row = dict.fromkeys(TIMESERIES_COLUMNS, 1.0 / 3.0)
    sink.start(None, list(TIMESERIES_COLUMNS), {**row, "time_s": 0.0})
    sink.row({**row, "time_s": 1.0})
    real = timeseries.os.write

    def half_then_enospc(fd, data):  # a disk that fills in the middle of a row
        real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(timeseries.os, "write", half_then_enospc)
    with pytest.raises(OutputError, match="No space left on device.*rows so far are kept"):
        sink.row({**row, "time_s": 2.0})
    text = (tmp_path / "timeseries.csv").read_text()
    assert text.endswith("\n") and text.count("\n") == 3
    assert list(read_timeseries(tmp_path / "timeseries.csv")["time_s"]) == [0.0, 1.0]


def test_crash_prefix_with_nul_bytes_is_read_and_flagged(tmp_path):
    case = load_case("fig5-stable")
    rd = run_folder.ResultsDir.prepare(case, tmp_path / "r")
    rows = [",".join(TIMESERIES_COLUMNS)] + [
        ",".join([str(float(i))] * len(TIMESERIES_COLUMNS)) for i in range(3)
    ]
    (tmp_path / "r" / "timeseries.csv").write_bytes(("\n".join(rows) + "\n").encode() + b"\0" * 64)
    rd.finish(run_folder.FAILED, "error")
    with pytest.warns(DendrisimWarning, match="not finished: failed"):
        res = Result.load(tmp_path / "r")
    assert list(res["time_s"]) == [0.0, 1.0, 2.0]


def test_plot_warns_about_an_unfinished_folder(tmp_path):
    from dendrisim import api

    case = load_case("fig5-stable")
    rd = run_folder.ResultsDir.prepare(case, tmp_path / "r")
    rows = [",".join(TIMESERIES_COLUMNS)] + [
        ",".join([str(float(i))] + ["1.0"] * (len(TIMESERIES_COLUMNS) - 1)) for i in range(3)
    ]
    (tmp_path / "r" / "timeseries.csv").write_text("\n".join(rows) + "\n")
    with pytest.warns(DendrisimWarning, match="running"):  # this process holds the lock
        api.plot([tmp_path / "r"], formats="png")
    rd.release()
