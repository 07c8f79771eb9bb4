"""A sweep killed with SIGKILL takes its workers with it (issue 13: orphans blocked forever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended


@pytest.mark.parametrize("fresh", [False, True])
def test_workers_die_with_a_killed_sweep(tmp_path, monkeypatch, fresh):
    from tests.sweep.conftest import Sweep

    sweep = Sweep(tmp_path, monkeypatch, fresh=fresh)
    env = dict(os.environ, FAKE_RUNNER_SLEEP_S="2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dendrisim", "sweep", str(sweep.file), "-q"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    running = sweep.out / "sweep" / "running"
    pids: set[int] = set()
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and len(pids) < 2:
            if running.is_dir():
                for m in running.iterdir():
                    try:
                        pids.add(int(m.read_text().split()[1]))
                    except (OSError, IndexError, ValueError):
                        pass
            time.sleep(0.05)
        assert pids, "no worker started"
        assert all(_alive(p) for p in pids)
    finally:
        proc.send_signal(signal.SIGKILL)  # only the sweep: its workers must follow it
        proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    survivors = [p for p in pids if _alive(p)]
    for p in survivors:  # clean up before failing
        os.kill(p, signal.SIGKILL)
    assert not survivors, f"orphaned workers: {survivors}"
