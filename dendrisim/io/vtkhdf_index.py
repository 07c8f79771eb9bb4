"""``fields_all.vtkhdf``: every output time of every mesh segment in one VTKHDF time series.

A run that remeshes writes one VTKHDF file per mesh (``fields.vtkhdf``,
``fields_remesh<k>.vtkhdf``).  The index is a VTKHDF ``UnstructuredGrid`` whose mesh
changes between time steps (VTKHDF's temporal layout: per-step ``PointOffsets``,
``CellOffsets``, ``PartOffsets``); its datasets are HDF5 virtual datasets over the
segment files (relative paths, found beside the index), so it copies no data and opens in
``pyvista`` and ParaView as one series in time order.  Rank 0 rewrites it (atomically)
after each output time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dendrisim.io.field_names import TIME_NAME

INDEX_NAME = "fields_all.vtkhdf"


@dataclass
class Segment:
    """What the index needs to know of one segment file (kept by its writer on rank 0)."""

    file: str
    n_points: int
    n_cells: int
    n_conn: int
    point_fields: dict[str, tuple[int, ...]]  # name -> shape of one time's values
    cell_fields: dict[str, str]  # name -> dtype
    times: list[float] = field(default_factory=list)


def _source(h5py, seg: Segment, name: str, shape: tuple[int, ...]):
    return h5py.VirtualSource(seg.file, f"VTKHDF/{name}", shape=shape)


def _shapes(seg: Segment) -> dict[str, tuple[tuple[int, ...], str]]:
    """Dataset name -> (shape, dtype) of the mesh and data of ``seg`` as written so far."""
    out = {
        "NumberOfPoints": ((1,), "int64"),
        "NumberOfCells": ((1,), "int64"),
        "NumberOfConnectivityIds": ((1,), "int64"),
        "Points": ((seg.n_points, 3), "float64"),
        "Connectivity": ((seg.n_conn,), "int64"),
        "Offsets": ((seg.n_cells + 1,), "int64"),
        "Types": ((seg.n_cells,), "uint8"),
    }
    for name, dtype in seg.cell_fields.items():
        out[f"CellData/{name}"] = ((seg.n_cells,), dtype)
    for name, one in seg.point_fields.items():
        out[f"PointData/{name}"] = ((seg.n_points * len(seg.times), *one[1:]), "float64")
    return out


def write_index(folder: str | Path, segments: list[Segment]) -> Path:
    """Write ``fields_all.vtkhdf`` over ``segments`` (rank 0 only; replaces it atomically)."""
    import h5py

    folder = Path(folder)
    segs = [s for s in segments if s.times]
    target = folder / INDEX_NAME
    tmp = folder / f".{INDEX_NAME}.tmp"
    with h5py.File(tmp, "w") as f:
        g = f.create_group("VTKHDF")
        g.attrs["Version"] = np.array([2, 0], dtype=np.int64)  # 2.0: temporal data
        g.attrs.create("Type", np.bytes_("UnstructuredGrid"))
        g.create_group("PointData")
        g.create_group("CellData")
        times = [t for s in segs for t in s.times]
        g.create_group("FieldData").create_dataset(TIME_NAME, data=np.asarray(times, dtype=float))
        if segs:
            shapes = [_shapes(s) for s in segs]
            for name, (first, dtype) in shapes[0].items():
                if not all(name in sh for sh in shapes):
                    continue
                total = sum(sh[name][0][0] for sh in shapes)
                layout = h5py.VirtualLayout(shape=(total, *first[1:]), dtype=dtype)
                start = 0
                for seg, sh in zip(segs, shapes, strict=True):
                    n = sh[name][0][0]
                    if n:
                        layout[start : start + n] = _source(h5py, seg, name, sh[name][0])
                    start += n
                g.create_virtual_dataset(name, layout)
        _write_steps(g.create_group("Steps"), segs)
    os.replace(tmp, target)
    return target


def _write_steps(steps, segs: list[Segment]) -> None:
    """The per-step offsets into the concatenated mesh and data of the segments."""
    rows: dict[str, list] = {
        k: []
        for k in (
            "Values",
            "PartOffsets",
            "NumberOfParts",
            "PointOffsets",
            "CellOffsets",
            "ConnectivityIdOffsets",
        )
    }
    pdo: dict[str, list[int]] = {n: [] for n in (segs[0].point_fields if segs else {})}
    cdo: dict[str, list[int]] = {n: [] for n in (segs[0].cell_fields if segs else {})}
    pts = cells = conn = data = 0
    for part, seg in enumerate(segs):
        for k, t in enumerate(seg.times):
            for key, val in (
                ("Values", t),
                ("PartOffsets", part),
                ("NumberOfParts", 1),
                ("PointOffsets", pts),
                ("CellOffsets", cells),
                ("ConnectivityIdOffsets", conn),
            ):
                rows[key].append(val)
            for name in pdo:
                pdo[name].append(data + k * seg.n_points)
            for name in cdo:
                cdo[name].append(cells)
        pts, cells, conn = pts + seg.n_points, cells + seg.n_cells, conn + seg.n_conn
        data += seg.n_points * len(seg.times)
    steps.attrs["NSteps"] = np.int64(len(rows["Values"]))
    for key, vals in rows.items():
        steps.create_dataset(key, data=np.asarray(vals, dtype=float if key == "Values" else "i8"))
    fdo = {TIME_NAME: list(range(len(rows["Values"])))}
    for group, offsets in (
        ("PointDataOffsets", pdo),
        ("CellDataOffsets", cdo),
        ("FieldDataOffsets", fdo),
    ):
        grp = steps.create_group(group)
        for name, vals in offsets.items():
            grp.create_dataset(name, data=np.asarray(vals, dtype=np.int64))
