"""Fixtures for the sweep tests: a fake runner (no solver) and sweep files in tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

FAKE = Path(__file__).with_name("fake_runner.py").resolve()
RUNNER = f"{FAKE}:run"

GRID_12 = """
base = "fig5-stable"
out = "{out}"
[set]
"time.end_s" = 9.0
[axes]
"geometry.aspect_ratio" = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0]
"sei.preset" = ["none", "stable"]
[run]
backend = "local"
workers = 2
fresh_process = {fresh}
runner = "{runner}"
"""


class Sweep:
    """A sweep file in a tmp folder plus the runner-call log of the fake runner."""

    def __init__(self, tmp: Path, monkeypatch, text: str = GRID_12, fresh: bool = False):
        self.tmp = tmp
        self.out = tmp / "res"
        self.log = tmp / "calls.log"
        monkeypatch.setenv("FAKE_RUNNER_LOG", str(self.log))
        monkeypatch.delenv("FAKE_RUNNER_FAIL", raising=False)
        monkeypatch.delenv("FAKE_RUNNER_CRASH", raising=False)
        monkeypatch.delenv("FAKE_RUNNER_SLEEP_S", raising=False)
        self.file = tmp / "sweep.toml"
        self.file.write_text(
            text.format(out=self.out, runner=RUNNER, fresh="true" if fresh else "false")
        )

    def calls(self) -> list[str]:
        """Case names the runner was called with, in call order."""
        return self.log.read_text().split() if self.log.is_file() else []

    def reset_calls(self) -> None:
        self.log.unlink(missing_ok=True)


@pytest.fixture
def sweep(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Sweep(tmp_path, monkeypatch)
