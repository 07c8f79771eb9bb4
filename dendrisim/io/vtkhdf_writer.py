"""One mesh segment's fields in a VTKHDF file (``pyvista.read``, ParaView >= 5.12, VTK >= 9.3).

Layout: VTK's VTKHDF ``UnstructuredGrid`` version 2.0 with temporal data
(https://docs.vtk.org/en/latest/vtk_file_formats/vtkhdf_file_format/): the mesh once
(``Points`` [m], ``Connectivity``, ``Offsets``, ``Types``), ``CellData/region_id``,
``PointData/<name>`` holding every output time one after the other, ``FieldData/time_s``
(the time of each step again: VTK reports no time for a file of one step), and ``Steps``
(``Values``: the times [s], ``PointDataOffsets/<name>``: where each time starts; the mesh
and cell-data offsets are 0: the mesh does not change within a segment).  Rank 0 writes
with h5py what every rank gathered to it (:mod:`dendrisim.io.field_values`), so the file
does not depend on the number of ranks.  Each time is flushed; ``Steps/Values`` and
``NSteps`` are written last, so a crash leaves a readable file of the times before it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.core.errors import OutputError
from dendrisim.io.field_names import FILE_NAMES, REGION_NAME, TIME_NAME
from dendrisim.io.field_values import NodalFields
from dendrisim.io.vtkhdf_index import Segment

_STEP_COUNTS = ("PartOffsets", "PointOffsets", "CellOffsets", "ConnectivityIdOffsets")


def _h5py():
    import h5py

    return h5py


class VtkHdfWriter:
    """Fields of one mesh in ``path`` (``.vtkhdf``), one time step per :meth:`write`."""

    def __init__(self, path: str | Path, model, fields=("c", "T", "displacement")):
        self.path = Path(path)
        self.comm = model.mesh.comm
        self.values = NodalFields(model, fields)
        self.file = None
        self.segment: Segment | None = None  # rank 0: what the index needs
        mesh = self.values.gathered_mesh()
        self._root(lambda: self._create(mesh))

    def _root(self, fn) -> None:
        """Run ``fn`` on rank 0; an OS/HDF5 error becomes an OutputError on every rank."""

        def guarded():
            try:
                fn()
            except (OSError, RuntimeError) as exc:  # h5py raises both for HDF5 failures
                self._abandon()
                why = os.strerror(exc.errno) if getattr(exc, "errno", None) else str(exc)
                raise OutputError(
                    f"{self.path}: cannot write the fields ({why}); the times so far are kept"
                ) from None

        parallel.on_root(guarded, self.comm)

    def _create(self, mesh) -> None:
        f = self.file = _h5py().File(self.path, "w")
        g = f.create_group("VTKHDF")
        g.attrs["Version"] = np.array([2, 0], dtype=np.int64)  # 2.0: temporal data
        g.attrs.create("Type", np.bytes_("UnstructuredGrid"))
        n_pts, n_cells = len(mesh.points), len(mesh.cells)
        g.create_dataset("NumberOfPoints", data=np.array([n_pts], dtype=np.int64))
        g.create_dataset("NumberOfCells", data=np.array([n_cells], dtype=np.int64))
        g.create_dataset("NumberOfConnectivityIds", data=np.array([mesh.cells.size]))
        points = np.zeros((n_pts, 3))
        points[:, : mesh.points.shape[1]] = mesh.points
        g.create_dataset("Points", data=points)
        g.create_dataset("Connectivity", data=mesh.cells.ravel().astype(np.int64))
        k = mesh.cells.shape[1]
        g.create_dataset("Offsets", data=np.arange(0, (n_cells + 1) * k, k, dtype=np.int64))
        g.create_dataset("Types", data=np.full(n_cells, mesh.vtk_type, dtype=np.uint8))
        g.create_group("CellData").create_dataset(REGION_NAME, data=mesh.regions)
        pd = g.create_group("PointData")
        steps = g.create_group("Steps")
        steps.attrs["NSteps"] = np.int64(0)
        growing = dict(shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(256,))
        for name in (*_STEP_COUNTS, "NumberOfParts"):
            steps.create_dataset(name, **growing)
        steps.create_dataset("Values", shape=(0,), maxshape=(None,), dtype=float, chunks=(256,))
        steps.create_group("CellDataOffsets").create_dataset(REGION_NAME, **growing)
        # the time also as field data: VTK drops Steps/Values from a file of one step
        g.create_group("FieldData").create_dataset(
            TIME_NAME, shape=(0,), maxshape=(None,), dtype=float, chunks=(256,)
        )
        steps.create_group("FieldDataOffsets").create_dataset(TIME_NAME, **growing)
        offsets = steps.create_group("PointDataOffsets")
        for name in self.values.fields:
            fname = FILE_NAMES[name]
            shape = (0, 3) if name == "displacement" else (0,)
            chunks = (min(max(n_pts, 1), 65536), *shape[1:])
            pd.create_dataset(
                fname, shape=shape, maxshape=(None, *shape[1:]), chunks=chunks, dtype=np.float64
            )
            offsets.create_dataset(fname, **growing)
        self.n_points = n_pts
        self.segment = Segment(
            file=self.path.name,
            n_points=n_pts,
            n_cells=n_cells,
            n_conn=int(mesh.cells.size),
            point_fields={
                FILE_NAMES[n]: (n_pts, 3) if n == "displacement" else (n_pts,)
                for n in self.values.fields
            },
            cell_fields={REGION_NAME: str(mesh.regions.dtype)},
        )
        f.flush()

    def write(self, t: float) -> None:
        """Append the fields at time ``t`` [s] (collective)."""
        self.values.update()
        data = {n: self.values.gathered_values(n) for n in self.values.fields}
        self._root(lambda: self._append(t, data))

    def _append(self, t: float, data: dict) -> None:
        g = self.file["VTKHDF"]
        steps = g["Steps"]
        k = int(steps.attrs["NSteps"])
        for name, vals in data.items():
            ds = g["PointData"][FILE_NAMES[name]]
            ds.resize(self.n_points * (k + 1), axis=0)
            ds[self.n_points * k :] = vals
            _append(steps["PointDataOffsets"][FILE_NAMES[name]], self.n_points * k)
        _append(steps["CellDataOffsets"][REGION_NAME], 0)
        _append(g["FieldData"][TIME_NAME], t)
        _append(steps["FieldDataOffsets"][TIME_NAME], k)
        for name in _STEP_COUNTS:
            _append(steps[name], 0)
        _append(steps["NumberOfParts"], 1)
        self.file.flush()
        _append(steps["Values"], t)  # last: a reader sees the time only when its data is in
        steps.attrs["NSteps"] = np.int64(k + 1)
        self.file.flush()
        self.segment.times.append(float(t))

    def _abandon(self) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except Exception:  # noqa: BLE001 - the write error is the one to report
                pass
            self.file = None

    def close(self) -> None:
        """Close the file (collective)."""
        self._root(self._close_root)

    def _close_root(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _append(ds, value) -> None:
    """Append one value to a 1D resizable dataset."""
    n = ds.shape[0]
    ds.resize(n + 1, axis=0)
    ds[n] = value
