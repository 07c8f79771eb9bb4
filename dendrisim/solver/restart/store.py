"""The checkpoint file: one interface, two back ends (h5py; adios4dolfinx where it works).

A checkpoint is the loop state as JSON (``meta``) plus named numpy arrays (coordinates,
dof rows per input cell, rows of the time series), all in the mesh's input ordering
(:mod:`.mapping`), gathered on rank 0.  :func:`write`, :func:`read`, :func:`read_meta` and
:func:`latest` are the interface; the back end is chosen by :func:`backend`:

- :class:`Adios4dolfinxStore` (``checkpoint.bp``, an ADIOS2 folder written with
  ``adios4dolfinx.write_attributes``) when ``adios4dolfinx`` imports and a probe
  checkpoint written and read back in a scratch folder round-trips (the conda route,
  whose ADIOS2 is built with MPI);
- :class:`H5pyStore` (``checkpoint.h5``, written by rank 0 with h5py) otherwise: the PyPI
  route, where pip picks adios4dolfinx 0.7.0 and 0.11 fails with "ADIOS2 must be built with
  MPI support" (the ``adios2`` wheel is serial; issue 13).

Either way a new checkpoint is written under a temporary name, flushed, then the current
one becomes the previous (``checkpoint.prev.*``) and the new one takes its name: a crash at
any moment leaves at least one whole checkpoint.  Reading goes by the file's suffix, so a
folder written by either back end resumes where that back end is available.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.core.errors import OutputError

FORMAT = 1  # version of the layout (meta["format"])


class H5pyStore:
    """``checkpoint.h5``: rank 0 writes with h5py; every rank may read the whole file."""

    name, previous = "checkpoint.h5", "checkpoint.prev.h5"

    @staticmethod
    def read(path: Path, comm=None) -> tuple[dict, dict[str, np.ndarray]]:
        """(state, arrays) of ``path``."""
        import h5py

        with h5py.File(path, "r") as fh:
            meta = json.loads(fh.attrs["meta"])
            arrays = {k: np.asarray(v[()]) for k, v in fh["arrays"].items()}
        return meta, arrays

    @staticmethod
    def read_meta(path: Path) -> dict:
        """The state of ``path`` (no arrays)."""
        import h5py

        with h5py.File(path, "r") as fh:
            return json.loads(fh.attrs["meta"])

    @staticmethod
    def write_tmp(tmp: Path, meta: dict, arrays: dict[str, np.ndarray], comm=None) -> None:
        """Rank 0 only."""
        import h5py

        with h5py.File(tmp, "w") as fh:
            fh.attrs["meta"] = json.dumps(meta)
            grp = fh.create_group("arrays")
            for k, v in arrays.items():
                grp.create_dataset(k, data=v)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())

    root_writes = True  # write_tmp on rank 0 alone


class Adios4dolfinxStore:
    """``checkpoint.bp``: the same content through adios4dolfinx's attribute I/O (collective)."""

    name, previous = "checkpoint.bp", "checkpoint.prev.bp"
    root_writes = False  # write_tmp on every rank (ADIOS2 with MPI)
    GROUP = "dendrisim_checkpoint"

    @classmethod
    def read(cls, path: Path, comm=None) -> tuple[dict, dict[str, np.ndarray]]:
        """(state, arrays) of ``path`` (collective over ``comm``)."""
        import adios4dolfinx

        attrs = adios4dolfinx.read_attributes(path, comm or parallel.world(), cls.GROUP)
        meta = json.loads(bytes(np.asarray(attrs.pop("meta"), dtype=np.uint8)).decode())
        shapes = meta.pop("_shapes")
        arrays = {k: np.asarray(attrs[k]).reshape(shapes[k]) for k in shapes}
        return meta, arrays

    @classmethod
    def read_meta(cls, path: Path) -> dict:
        """The state of ``path`` (this rank alone)."""
        return cls.read(path, parallel.self_comm())[0]

    @classmethod
    def write_tmp(cls, tmp: Path, meta: dict, arrays, comm=None) -> None:
        """Write ``tmp`` (collective: rank 0's arrays are broadcast first)."""
        import adios4dolfinx

        comm = comm or parallel.world()
        arrays = parallel.broadcast(arrays, comm)  # ADIOS2 writes collectively
        shapes = {k: list(np.shape(v)) for k, v in arrays.items()}
        data = {k: np.ascontiguousarray(v).ravel() for k, v in arrays.items()}
        text = json.dumps(dict(meta, _shapes=shapes)).encode()
        data["meta"] = np.frombuffer(text, dtype=np.uint8).copy()
        adios4dolfinx.write_attributes(tmp, comm, cls.GROUP, data)


BACKENDS = (H5pyStore, Adios4dolfinxStore)


@functools.cache
def _adios4dolfinx_works() -> bool:
    """adios4dolfinx imports and a probe checkpoint round-trips (this rank, a scratch folder)."""
    try:
        import adios4dolfinx  # noqa: F401
    except Exception:  # noqa: BLE001 - absent or broken: the h5py back end
        return False
    try:
        with tempfile.TemporaryDirectory(prefix="dendrisim-probe-") as d:
            probe = Path(d) / "probe.bp"
            comm = parallel.self_comm()
            Adios4dolfinxStore.write_tmp(probe, {"probe": 1}, {"a": np.arange(3.0)}, comm)
            meta, arrays = Adios4dolfinxStore.read(probe, comm)
            return meta.get("probe") == 1 and np.array_equal(arrays["a"], np.arange(3.0))
    except Exception:  # noqa: BLE001 - e.g. "ADIOS2 must be built with MPI support"
        return False


def backend(comm=None):
    """The back end of this run: adios4dolfinx where it works on every rank, else h5py."""
    ok = parallel.global_min(float(_adios4dolfinx_works()), comm) > 0
    return Adios4dolfinxStore if ok else H5pyStore


def _of(path: Path):
    """The back end that wrote ``path`` (by its suffix)."""
    return Adios4dolfinxStore if Path(path).suffix == ".bp" else H5pyStore


# the h5py names (the PyPI route's; tests and the SLURM script look for them)
NAME, PREVIOUS = H5pyStore.name, H5pyStore.previous


def latest(folder: str | Path) -> Path | None:
    """The newest whole checkpoint of a results folder (either back end), or None."""
    found = []
    for store in BACKENDS:
        for name in (store.name, store.previous):
            p = Path(folder) / name
            if p.exists():
                try:
                    found.append((read_meta(p).get("time_s", -1.0), name == store.name, p))
                except Exception:  # noqa: BLE001 - a cut or foreign file: try the others
                    continue
    return max(found)[2] if found else None


def read_meta(path: str | Path) -> dict:
    """The JSON state of a checkpoint (no arrays)."""
    return _of(path).read_meta(Path(path))


def read(path: str | Path, comm=None) -> tuple[dict, dict[str, np.ndarray]]:
    """(state, arrays) of a checkpoint (every rank may call it; adios4dolfinx: collective)."""
    return _of(path).read(Path(path), comm)


def _remove(p: Path) -> None:
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            p.unlink()


def _publish(folder: Path, store) -> None:
    """The temporary checkpoint becomes the current one, the current one the previous."""
    tmp, final, prev = (folder / n for n in (store.name + ".tmp", store.name, store.previous))
    if final.exists():
        _remove(prev)
        os.replace(final, prev)
    os.replace(tmp, final)


def write(folder: str | Path, meta: dict, arrays: dict[str, np.ndarray], comm=None) -> None:
    """Write a checkpoint into ``folder`` (collective; OutputError on failure).

    ``arrays`` matter on rank 0 only (the others pass what they have, e.g. None).
    """
    folder, store = Path(folder), backend(comm)
    tmp = folder / (store.name + ".tmp")
    error = None
    try:
        if store.root_writes:
            if parallel.is_root(comm):
                store.write_tmp(tmp, dict(meta, format=FORMAT), arrays, comm)
        else:
            store.write_tmp(tmp, dict(meta, format=FORMAT), arrays, comm)
        if parallel.is_root(comm):
            _publish(folder, store)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        error = OutputError(f"{folder / store.name}: cannot write the checkpoint ({why})")
        if parallel.is_root(comm):
            _remove(tmp)
    except BaseException:
        if parallel.is_root(comm):
            _remove(tmp)
        raise
    error = parallel.broadcast(error, comm)  # collective: every rank learns rank 0's error
    if error is not None:
        raise error
