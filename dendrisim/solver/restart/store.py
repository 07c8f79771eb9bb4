"""The checkpoint file: one HDF5 file written by rank 0 with h5py, replaced atomically.

``checkpoint.h5`` in the results folder holds the loop state as JSON (attribute ``meta``)
and the arrays (group ``arrays``: coordinates, dof rows, rows of the time series).  A new
checkpoint is written to ``checkpoint.h5.tmp``, flushed to disk, then the current one
becomes ``checkpoint.prev.h5`` and the new one takes its name: a crash at any moment
leaves at least one whole checkpoint.  The PyPI route has no working adios4dolfinx
(issue 13), so this needs only h5py and numpy; every rank reads the whole file on resume.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.core.errors import OutputError

NAME = "checkpoint.h5"
PREVIOUS = "checkpoint.prev.h5"
FORMAT = 1  # version of the layout (meta["format"])


def latest(folder: str | Path) -> Path | None:
    """The newest whole checkpoint of a results folder, or None."""
    for name in (NAME, PREVIOUS):
        p = Path(folder) / name
        if p.is_file():
            try:
                read_meta(p)
            except Exception:  # noqa: BLE001 - a cut or foreign file: try the older one
                continue
            return p
    return None


def read_meta(path: str | Path) -> dict:
    """The JSON state of a checkpoint file (no arrays)."""
    import h5py

    with h5py.File(path, "r") as fh:
        return json.loads(fh.attrs["meta"])


def read(path: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(state, arrays) of a checkpoint file (every rank may call it)."""
    import h5py

    with h5py.File(path, "r") as fh:
        meta = json.loads(fh.attrs["meta"])
        arrays = {k: np.asarray(v[()]) for k, v in fh["arrays"].items()}
    return meta, arrays


def _write_root(folder: Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    import h5py

    tmp, final = folder / (NAME + ".tmp"), folder / NAME
    try:
        with h5py.File(tmp, "w") as fh:
            fh.attrs["meta"] = json.dumps(meta)
            grp = fh.create_group("arrays")
            for k, v in arrays.items():
                grp.create_dataset(k, data=v)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if final.exists():
            os.replace(final, folder / PREVIOUS)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write(folder: str | Path, meta: dict, arrays: dict[str, np.ndarray], comm=None) -> None:
    """Write a checkpoint into ``folder`` (collective; rank 0 writes; OutputError on failure).

    ``arrays`` matter on rank 0 only (the others pass what they have, e.g. None).
    """
    folder = Path(folder)
    error = None
    if parallel.is_root(comm):
        try:
            _write_root(folder, dict(meta, format=FORMAT), arrays)
        except OSError as exc:
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            error = OutputError(f"{folder / NAME}: cannot write the checkpoint ({why})")
    error = parallel.broadcast(error, comm)
    if error is not None:
        raise error
