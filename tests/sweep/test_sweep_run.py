"""Running sweeps locally with the fake runner: results, failures, resume, stale inputs."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest

from dendrisim.config import load_case
from dendrisim.core.errors import CaseError
from dendrisim.sweep import SweepError, read_summary, run_sweep
from dendrisim.sweep.status import case_state

sys.path.insert(0, os.path.dirname(__file__))
import fake_runner  # noqa: E402

FAIL = "aspect_ratio-5_sei.preset-none"


def _by_case(path):
    return {r["case"]: r for r in read_summary(path)}


def test_local_sweep_results_and_injected_failure(sweep, monkeypatch):
    monkeypatch.setenv("FAKE_RUNNER_FAIL", FAIL)
    report = run_sweep(sweep.file, quiet=True)
    assert sorted(sweep.calls()) == sorted(sc.name for sc in report.cases)  # each once
    rows = _by_case(sweep.out / "summary.csv")
    assert len(rows) == 12
    assert rows[FAIL]["status"] == "failed" and rows[FAIL]["stop_reason"] == "diverged"
    assert "Newton diverged" in rows[FAIL]["error"]
    assert sum(r["status"] == "finished" for r in rows.values()) == 11
    # table values are the runner's numbers: retention = exp(-k t_end) of the toy model
    for sc in report.cases:
        r = rows[sc.name]
        assert r["L_over_D"] == pytest.approx(sc.varied["geometry.aspect_ratio"], rel=1e-9)
        assert r["sei_preset"] == sc.varied["sei.preset"]
        if sc.name == FAIL:
            assert r["t_end_s"] == pytest.approx(4.5)  # partial series kept, marked failed
            continue
        k = fake_runner.rate_per_s(sc.case)
        assert r["li_retention_end"] == pytest.approx(math.exp(-k * 9.0), rel=1e-12)
        assert r["steps"] == 10
        # trapezoid of q = c k exp(-k t) against the exact integral c (1 - exp(-k t_end))
        exact = 240e3 * 1e-15 * (1 - math.exp(-k * 9.0))
        assert r["heat_released_J"] == pytest.approx(exact, rel=2e-3)
    # every folder is a results folder (docs/architecture.md#results-layout); the failure is
    # recorded in its manifest
    man = json.loads((sweep.out / FAIL / "manifest.json").read_text())
    assert man["status"] == "failed" and "diverged" in man["error"]
    assert (sweep.out / "sweep" / "cases" / f"{FAIL}.toml").is_file()
    assert report.count("finished") == 11 and report.count("failed") == 1
    assert f"failed {FAIL}: diverged" in str(report)


def test_resume_runs_only_missing_and_partial_cases(sweep, monkeypatch):
    monkeypatch.setenv("FAKE_RUNNER_FAIL", FAIL)
    run_sweep(sweep.file, quiet=True)
    first = (sweep.out / "summary.csv").read_text()
    names = [r["case"] for r in read_summary(sweep.out / "summary.csv")]
    import shutil

    gone = names[:2]  # folder deleted
    running = names[2:4]  # killed mid-run: manifest still "running"
    no_rows = names[6]  # a "finished" manifest but an empty time series: not finished
    for n in gone:
        shutil.rmtree(sweep.out / n)
    for n in running:
        m = json.loads((sweep.out / n / "manifest.json").read_text())
        m["status"] = "running"
        (sweep.out / n / "manifest.json").write_text(json.dumps(m))
    ts = sweep.out / no_rows / "timeseries.csv"
    ts.write_text(ts.read_text().splitlines()[0] + "\n")
    sweep.reset_calls()
    report = run_sweep(sweep.file, quiet=True)
    assert sorted(sweep.calls()) == sorted([*gone, *running, no_rows])
    assert FAIL not in sweep.calls()  # failed cases are results too; not re-run by default
    assert (sweep.out / "summary.csv").read_text() == first
    assert report.count("finished") == 11
    # nothing left to do: no runner calls at all
    sweep.reset_calls()
    run_sweep(sweep.file, quiet=True)
    assert sweep.calls() == []
    # --retry-failed runs exactly the failed case again (now fixed)
    monkeypatch.delenv("FAKE_RUNNER_FAIL")
    run_sweep(sweep.file, quiet=True, retry_failed=True)
    assert sweep.calls() == [FAIL]
    assert _by_case(sweep.out / "summary.csv")[FAIL]["status"] == "finished"


def test_changed_inputs_are_not_mistaken_for_finished(sweep):
    run_sweep(sweep.file, quiet=True)
    sweep.file.write_text(
        sweep.file.read_text().replace('"time.end_s" = 9.0', '"time.end_s" = 3.0')
    )
    with pytest.raises(SweepError, match="time.end_s: 9.0 -> 3.0"):
        run_sweep(sweep.file, quiet=True)
    sweep.reset_calls()
    run_sweep(sweep.file, quiet=True, force=True)
    assert len(sweep.calls()) == 12
    rows = read_summary(sweep.out / "summary.csv")
    assert {r["t_end_s"] for r in rows} == {3.0}


def test_crashing_case_does_not_stop_the_others(sweep, monkeypatch):
    crash = "aspect_ratio-2_sei.preset-stable"
    monkeypatch.setenv("FAKE_RUNNER_CRASH", crash)
    report = run_sweep(sweep.file, quiet=True)
    rows = _by_case(sweep.out / "summary.csv")
    assert rows[crash]["status"] == "failed" and rows[crash]["stop_reason"] == "crashed"
    assert sum(r["status"] == "finished" for r in rows.values()) == 11
    assert sweep.calls().count(crash) == 2  # tried again once (it may have been a neighbour)
    assert case_state(sweep.out / crash, report.cases[3].case).status == "failed"


def test_case_timeout_is_a_recorded_failure(sweep, monkeypatch):
    monkeypatch.setenv("FAKE_RUNNER_SLEEP_S", "30")
    text = sweep.file.read_text().replace("[1.0, 2.0, 5.0, 10.0, 20.0, 30.0]", "[1.0]")
    sweep.file.write_text(text.replace("[run]", "[run]\ncase_timeout_s = 1.5"))
    report = run_sweep(sweep.file, quiet=True)
    rows = read_summary(sweep.out / "summary.csv")
    assert [r["stop_reason"] for r in rows] == ["timeout", "timeout"]
    assert all("timed out after 1.5 s" in r["error"] for r in rows)
    assert report.count("failed") == 2


def test_dry_run_writes_nothing(sweep):
    report = run_sweep(sweep.file, dry_run=True)
    assert not sweep.out.exists() and sweep.calls() == []
    text = str(report)
    assert "12 cases" in text and text.count("  run ") == 12


def test_not_built_solver_failures_run_again(sweep, tmp_path):
    stub = tmp_path / "stub_runner.py"
    stub.write_text(
        "from dendrisim.core.errors import NotBuiltYetError\n"
        "def run(case, out=None, force=False, quiet=True):\n"
        "    raise NotBuiltYetError('solver not built')\n"
    )
    report = run_sweep(sweep.file, quiet=True, runner=f"{stub}:run")
    assert report.count("failed") == 12 and sweep.calls() == []
    run_sweep(sweep.file, quiet=True)  # the real (here: fake) solver is there now
    assert len(sweep.calls()) == 12


def test_runner_raising_any_error_is_recorded(sweep, tmp_path):
    bad = tmp_path / "bad_runner.py"
    bad.write_text(
        "def run(case, out=None, force=False, quiet=True):\n"
        "    raise ZeroDivisionError('boom in ' + case.name)\n"
    )
    report = run_sweep(sweep.file, quiet=True, runner=f"{bad}:run", workers=1)
    assert report.count("failed") == 12
    row = read_summary(sweep.out / "summary.csv")[0]
    assert row["stop_reason"] == "error" and row["error"].startswith("ZeroDivisionError: boom")
    # a failure recorded before the runner wrote anything still counts as this case's result
    assert case_state(sweep.out / row["case"], report.cases[0].case).status == "failed"


def test_killed_sweep_resumes_with_missing_cases_only(sweep, monkeypatch):
    """Kill a running `dendrisim sweep` (and its workers), re-run: only unfinished cases run."""
    env = dict(os.environ, FAKE_RUNNER_SLEEP_S="0.25")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dendrisim", "sweep", str(sweep.file), "-q"],
        cwd=sweep.tmp,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    summary = sweep.out / "summary.csv"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if summary.is_file() and summary.read_text().count(",finished,") >= 4:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and the workers it started
        proc.wait()
    cases = {
        n: load_case(sweep.out / "sweep" / "cases" / f"{n}.toml")
        for n in (r["case"] for r in read_summary(summary))
    }
    done = {n for n, c in cases.items() if case_state(sweep.out / n, c).status == "finished"}
    assert 4 <= len(done) < 12
    first_calls = sweep.calls()
    sweep.reset_calls()
    run_sweep(sweep.file, quiet=True)
    assert sorted(sweep.calls()) == sorted(set(cases) - done)
    rows = read_summary(summary)
    assert all(r["status"] == "finished" for r in rows)
    assert len(first_calls) >= len(done)


def test_cli_sweep_dry_run_and_errors(sweep, capsys):
    from dendrisim.cli.app import main

    with pytest.raises(SystemExit) as ok:
        main(["sweep", str(sweep.file), "--dry-run", "--workers", "3"])
    assert ok.value.code == 0
    out = capsys.readouterr().out
    assert "aspect_ratio-30_sei.preset-stable" in out
    with pytest.raises(SystemExit) as exc:
        main(["sweep", str(sweep.tmp / "nope.toml")])
    assert exc.value.code == 2
    assert "neither a sweep file nor a built-in sweep" in capsys.readouterr().err
    assert issubclass(SweepError, Exception) and not issubclass(SweepError, CaseError)


def test_an_interrupted_case_runs_again_on_resume(tmp_path):
    """Ctrl-C ends a run with stop_reason "interrupted": unfinished, not a failed result."""
    import json

    from dendrisim import load_case
    from dendrisim.sweep.status import INCOMPLETE, case_state

    (tmp_path / "manifest.json").write_text(
        json.dumps({"status": "failed", "stop_reason": "interrupted"}), "utf-8"
    )
    assert case_state(tmp_path, load_case("fig5-stable")).status == INCOMPLETE
