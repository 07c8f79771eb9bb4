"""``timeseries.csv``: the columns every run writes, and reading it back into numpy.

One row per accepted step, written as the run goes (first row at t = 0); a run may add
columns after these (the observables own the columns, :mod:`dendrisim.observables`).
Contract: docs/architecture.md#results-layout.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.core.errors import DendrisimError, OutputError
from dendrisim.solver.sinks import Sink

# Columns every timeseries.csv has (docs/architecture.md#results-layout); a run may add more.
TIMESERIES_COLUMNS = (
    "time_s",
    "dt_s",
    "li_retention",
    "li_retention_from_moles",
    "li_consumed_mol",
    "T_interface_mean_K",
    "T_interface_max_K",
    "reaction_rate_mol_s",
    "heat_release_W",
    "c_interface_min_mol_m3",
    "newton_iterations",
)


def read_timeseries(path: str | Path) -> dict[str, np.ndarray]:
    """``timeseries.csv`` -> {column: float array}; a truncated last line is ignored.

    Lines with NUL bytes or undecodable text (a file cut by a crash) are dropped.
    """
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = [ln for ln in fh.read().splitlines() if "\0" not in ln and "\ufffd" not in ln]
    rows = [r for r in csv.reader(lines) if r and not r[0].startswith("#")]
    if not rows:
        raise DendrisimError(f"{path}: empty time series (no header)")
    header, body = rows[0], rows[1:]
    body = [r for r in body if len(r) == len(header)]
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        col = []
        for r in body:
            try:
                col.append(float(r[j]))
            except ValueError:
                col.append(np.nan)
        data[name] = np.asarray(col, dtype=float)
    return data


def ordered_columns(columns: list[str]) -> list[str]:
    """The contract columns first (:data:`TIMESERIES_COLUMNS`), then the others in order."""
    return list(TIMESERIES_COLUMNS) + [c for c in columns if c not in TIMESERIES_COLUMNS]


class TimeSeriesCsv(Sink):
    """``timeseries.csv`` on rank 0, one flushed row per accepted step (a run's sink).

    Each row goes out in one write and is flushed; if the write fails (a full disk) the
    file is cut back to its last whole row and an OutputError (exit 3) says why.
    """

    def __init__(self, path: str | Path, comm=None):
        self.path = Path(path)
        self.comm = comm
        self.columns: list[str] = []
        self.fh = None

    def start(self, model, columns: list[str], values: dict[str, float]) -> None:
        """Header and the initial row."""
        self.columns = ordered_columns(columns)
        error = None
        if parallel.is_root(self.comm):
            try:
                self.fh = open(self.path, "wb", buffering=0)
                self._write(",".join(self.columns) + "\n")
            except OSError as exc:
                error = _write_error(self.path, exc)
        error = parallel.broadcast(error, self.comm)
        if error is not None:
            raise error
        self.row(values)

    def resumed(self, model, columns: list[str], rows: int) -> None:
        """Keep the header and the first ``rows`` rows (cut later ones), then append."""
        self.columns = ordered_columns(columns)
        error = None
        if parallel.is_root(self.comm):
            try:
                self.fh = open(self.path, "r+b", buffering=0)
                keep = _prefix_bytes(self.fh.read(), rows + 1)
                header = ",".join(self.columns)
                if keep is None or not keep.startswith(header.encode() + b"\n"):
                    error = OutputError(
                        f"{self.path}: has fewer than {rows} rows or other columns than the "
                        "checkpoint; cannot resume into it"
                    )
                else:
                    self.fh.truncate(len(keep))
                    self.fh.seek(len(keep))
            except OSError as exc:
                error = _write_error(self.path, exc)
        error = parallel.broadcast(error, self.comm)
        if error is not None:
            self.close()
            raise error

    def row(self, values: dict[str, float]) -> None:
        """Append one row (12 significant digits); rank 0 writes, every rank learns an error."""
        error = None
        if self.fh is not None:
            try:
                self._write(",".join(f"{values.get(c, math.nan):.12g}" for c in self.columns))
            except OSError as exc:
                error = _write_error(self.path, exc)
        if parallel.global_any(error is not None, self.comm):
            raise parallel.broadcast(error, self.comm) or OutputError(f"{self.path}: write failed")

    def _write(self, line: str) -> None:
        """One whole line, unbuffered; on failure the file is cut back to where it was."""
        fd = self.fh.fileno()
        pos = os.lseek(fd, 0, os.SEEK_CUR)
        try:
            write_all(fd, (line if line.endswith("\n") else line + "\n").encode("utf-8"))
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, pos)
            self.close()
            raise

    def close(self) -> None:
        """Close the file."""
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def _prefix_bytes(data: bytes, lines: int) -> bytes | None:
    """The first ``lines`` whole lines of ``data`` (None if it has fewer)."""
    end = 0
    for _ in range(lines):
        nl = data.find(b"\n", end)
        if nl < 0:
            return None
        end = nl + 1
    return data[:end]


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is out (a short write is retried; an error raised)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_error(path: Path, exc: OSError) -> OutputError:
    why = os.strerror(exc.errno) if exc.errno else str(exc)
    return OutputError(f"{path}: cannot write the time series ({why}); the rows so far are kept")
