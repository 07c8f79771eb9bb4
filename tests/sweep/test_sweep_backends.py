"""The mpi back end (mpi4py.futures under mpiexec) and the SLURM job array, vs the local run."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dendrisim.config import load_case
from dendrisim.sweep import read_summary, run_sweep
from dendrisim.sweep.execute import clean_env

SMALL = """
base = "fig5-stable"
out = "{out}"
[axes]
"geometry.aspect_ratio" = [1.0, 10.0]
"sei.preset" = ["none", "stable"]
[run]
runner = "{runner}"
fresh_process = {fresh}
[slurm]
partition = "short"
time = "00:30:00"
setup = ["module load mpich"]
max_parallel = 2
"""


def _mpi_available() -> bool:
    try:
        import mpi4py.futures  # noqa: F401
    except ImportError:
        return False
    return shutil.which("mpiexec") is not None


@pytest.mark.skipif(not _mpi_available(), reason="mpiexec / mpi4py not available")
def test_mpi_backend_under_mpiexec_matches_local(sweep, monkeypatch):
    """12 cases: local on 2 workers and `mpiexec -n 3 python -m mpi4py.futures` give one table.

    The injected failing case fails in both, and the others finish.
    """
    fail = "aspect_ratio-10_sei.preset-stable"
    monkeypatch.setenv("FAKE_RUNNER_FAIL", fail)
    run_sweep(sweep.file, quiet=True)
    local = (sweep.out / "summary.csv").read_text()
    mpi_out = sweep.tmp / "res-mpi"
    cmd = [
        "mpiexec",
        "-n",
        "3",
        sys.executable,
        "-m",
        "mpi4py.futures",
        "-m",
        "dendrisim",
        "sweep",
        str(sweep.file),
        "--backend",
        "mpi",
        "--out",
        str(mpi_out),
        "-q",
    ]
    proc = subprocess.run(
        cmd,
        cwd=sweep.tmp,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (mpi_out / "summary.csv").read_text() == local
    rows = {r["case"]: r for r in read_summary(mpi_out / "summary.csv")}
    assert rows[fail]["status"] == "failed" and rows[fail]["stop_reason"] == "diverged"
    assert sum(r["status"] == "finished" for r in rows.values()) == 11
    # each case ran in its own process (a fresh one per case under the MPI pool workers)
    log = (mpi_out / "sweep" / "log.txt").read_text()
    assert len(set(re.findall(r" on [^:\s]+:(\d+)", log))) == 12
    assert "cases on backend mpi" in log


@pytest.mark.skipif(not _mpi_available(), reason="mpiexec / mpi4py not available")
def test_cases_with_several_ranks_run_under_mpiexec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = f"{Path(__file__).with_name('fake_runner.py').resolve()}:run"
    f = tmp_path / "s.toml"
    f.write_text(
        SMALL.format(out=tmp_path / "r", runner=runner, fresh="false").replace(
            "[1.0, 10.0]", "[1.0]"
        )
    )
    report = run_sweep(f, ranks_per_case=2, workers=1, quiet=True)
    assert report.count("finished") == 2
    for sc in report.cases:
        manifest = json.loads((tmp_path / "r" / sc.name / "manifest.json").read_text())
        assert manifest["launcher_ranks"] == 2  # the case ran under `mpiexec -n 2`


def test_mpi_backend_refuses_plain_mpiexec(sweep, monkeypatch):
    from dendrisim.sweep import SweepError

    monkeypatch.setenv("PMI_SIZE", "2")  # as if started by `mpiexec -n 2 dendrisim sweep`
    with pytest.raises(SweepError, match="python -m mpi4py.futures -m dendrisim sweep"):
        run_sweep(sweep.file, backend="mpi", quiet=True)
    with pytest.raises(SweepError, match="without mpiexec"):
        run_sweep(sweep.file, quiet=True)
    assert not sweep.out.exists()


def _fake_srun(bin_dir):
    """An `srun` for tests: drops `-n K` and runs the command (no SLURM here)."""
    bin_dir.mkdir()
    srun = bin_dir / "srun"
    srun.write_text('#!/bin/bash\nif [[ "$1" == "-n" ]]; then shift 2; fi\nexec "$@"\n')
    module = bin_dir / "module"  # the setup line `module load mpich`
    module.write_text("#!/bin/bash\nexit 0\n")
    for f in (srun, module):
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def _array_header(text):
    return dict(re.findall(r"^#SBATCH --([a-z-]+)=(.*)$", text, flags=re.M))


def test_slurm_job_array_is_valid_and_runs(tmp_path, monkeypatch):
    """Scripts pass `bash -n`, every path in them exists, and the array tasks (run here with
    a stand-in srun) followed by the collect job give the same table as a local run."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAKE_RUNNER_FAIL", raising=False)
    runner = f"{Path(__file__).with_name('fake_runner.py').resolve()}:run"
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SMALL.format(out=tmp_path / "slurm-res", runner=runner, fresh="false"))
    report = run_sweep(sweep_file, backend="slurm", quiet=True)
    out = tmp_path / "slurm-res"
    array, slurm_dir = report.script, out / "sweep" / "slurm"
    scripts = [array, slurm_dir / "collect.sh", slurm_dir / "submit.sh"]
    for script in scripts:
        check = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        assert os.access(script, os.X_OK)
    text = array.read_text()
    head = _array_header(text)
    assert head["array"] == "0-3%2" and head["ntasks"] == "1"
    assert head["time"] == "00:30:00" and head["partition"] == "short"
    assert Path(head["output"]).parent.is_dir()  # SLURM does not create the log folder
    assert "module load mpich" in text
    names = (slurm_dir / "tasks.txt").read_text().split()
    assert names == [sc.name for sc in report.cases]
    for sc in report.cases:  # the case each task reads is the sweep's case
        case_file = out / "sweep" / "cases" / f"{sc.name}.toml"
        assert load_case(case_file).to_dict() == sc.case.to_dict()
    # every absolute path in the scripts exists (interpreter, folders, task list)
    for script in scripts:
        for path in re.findall(r"(/[^\s\"';]+)", script.read_text()):
            if "$" in path or path.startswith("/%"):
                continue
            assert Path(path).exists() or Path(path).parent.exists(), (script.name, path)
    python = re.search(r"srun -n 1 (\S+) -m dendrisim.sweep.worker", text).group(1)
    assert os.access(python, os.X_OK)
    # run the array tasks as SLURM would (task ids 0..3), then the collect job
    env = clean_env()
    env["PATH"] = f"{_fake_srun(tmp_path / 'bin')}{os.pathsep}{env['PATH']}"
    for i in range(len(names)):
        proc = subprocess.run(
            ["bash", str(array)],
            env={**env, "SLURM_ARRAY_TASK_ID": str(i)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-1500:]
    bad = subprocess.run(
        ["bash", str(array)],
        env={**env, "SLURM_ARRAY_TASK_ID": "9"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "no case for array task 9" in bad.stderr
    proc = subprocess.run(
        ["bash", str(slurm_dir / "collect.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    rows = read_summary(out / "summary.csv")
    assert [r["status"] for r in rows] == ["finished"] * 4
    local = run_sweep(sweep_file, out=tmp_path / "local-res", quiet=True)
    assert (out / "summary.csv").read_text() == local.summary.read_text()
    # a re-submitted array holds only what is missing
    shutil.rmtree(out / names[2])
    report = run_sweep(sweep_file, backend="slurm", quiet=True)
    assert (slurm_dir / "tasks.txt").read_text().split() == [names[2]]
    assert _array_header(report.script.read_text())["array"] == "0-0%2"


def test_slurm_array_signals_before_the_limit_and_requeues_an_interrupted_case(
    tmp_path, monkeypatch
):
    """`--signal=USR1@120` in the array script; a case that ends `interrupted` with a
    checkpoint has its array task requeued (`scontrol requeue`), a finished one not."""
    monkeypatch.chdir(tmp_path)
    runner = f"{Path(__file__).with_name('fake_runner.py').resolve()}:run"
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SMALL.format(out=tmp_path / "r", runner=runner, fresh="false"))
    report = run_sweep(sweep_file, backend="slurm", quiet=True)
    head = _array_header(report.script.read_text())
    assert head["signal"] == "USR1@120" and "requeue" in report.script.read_text()
    names = (tmp_path / "r" / "sweep" / "slurm" / "tasks.txt").read_text().split()
    bin_dir = _fake_srun(tmp_path / "bin")
    scontrol = bin_dir / "scontrol"
    scontrol.write_text(f'#!/bin/bash\necho "$@" >> {tmp_path / "requeued.txt"}\n')
    scontrol.chmod(scontrol.stat().st_mode | stat.S_IEXEC)
    env = clean_env()
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", FAKE_RUNNER_INTERRUPT=names[1])
    for i in (0, 1):
        proc = subprocess.run(
            ["bash", str(report.script)],
            env={**env, "SLURM_ARRAY_TASK_ID": str(i), "SLURM_ARRAY_JOB_ID": "77"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr[-1500:]
    assert (tmp_path / "requeued.txt").read_text().split() == ["requeue", "77_1"]


def test_slurm_submit_chains_the_collect_job(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = f"{Path(__file__).with_name('fake_runner.py').resolve()}:run"
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SMALL.format(out=tmp_path / "r", runner=runner, fresh="false"))
    report = run_sweep(sweep_file, backend="slurm", ranks_per_case=4, quiet=True)
    text = report.script.read_text()
    assert _array_header(text)["ntasks"] == "4" and "srun -n 4 " in text
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "sbatch.log"
    sbatch = bin_dir / "sbatch"
    sbatch.write_text(f'#!/bin/bash\necho "$@" >> {calls}\necho "4242;cluster"\n')
    sbatch.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", str(report.script.parent / "submit.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = calls.read_text().splitlines()
    assert first == f"--parsable {report.script}"
    assert second == f"--dependency=afterany:4242 {report.script.parent / 'collect.sh'}"
