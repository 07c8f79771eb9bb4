"""Reading a VTKHDF fields file (``fields.vtkhdf``) into :class:`Fields` with h5py.

Reads the layout :mod:`dendrisim.io.vtkhdf_writer` writes (one mesh, ``Steps`` with the
output times, point data per time at ``Steps/PointDataOffsets``); no dolfinx, no VTK.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dendrisim.core.errors import DendrisimError
from dendrisim.io.field_names import REGION_NAME, SHORT_NAMES
from dendrisim.io.field_reader import Fields

# VTK cell type id -> (cell name as in Fields.cell_type, nodes per cell)
_VTK_CELLS = {5: ("triangle", 3), 9: ("quad", 4), 10: ("tetra", 4), 3: ("line", 2)}


def _h5py():
    import h5py

    return h5py


def read_vtkhdf(path: str | Path, formulation: str = "axisymmetric") -> Fields:
    """Read a dendrisim ``.vtkhdf`` segment into :class:`Fields` (values read on demand)."""
    path = Path(path)
    if not path.is_file():
        raise DendrisimError(
            f"{path}: no fields file (the run wrote no fields, or output.fields is empty)"
        )
    try:
        with _h5py().File(path, "r") as f:
            g = f["VTKHDF"]
            points = np.asarray(g["Points"][: int(g["NumberOfPoints"][0])], dtype=float)
            types = np.asarray(g["Types"])
            if types.size and np.any(types != types[0]):
                raise DendrisimError(f"{path}: mixed cell types are not supported")
            vtk_type = int(types[0]) if types.size else 5
            if vtk_type not in _VTK_CELLS:
                raise DendrisimError(f"{path}: VTK cell type {vtk_type} is not supported")
            cell_type, nodes = _VTK_CELLS[vtk_type]
            cells = np.asarray(g["Connectivity"], dtype=np.int64).reshape(-1, nodes)
            tags = np.asarray(g["CellData"][REGION_NAME], dtype=np.int32)
            steps = g["Steps"]
            n = int(steps.attrs["NSteps"])
            times = np.asarray(steps["Values"][:n], dtype=float)
            index = {
                SHORT_NAMES.get(name, name): {
                    float(t): (name, int(o)) for t, o in zip(times, ds[:n], strict=True)
                }
                for name, ds in steps["PointDataOffsets"].items()
            }
    except (OSError, KeyError) as exc:
        raise DendrisimError(
            f"{path}: not a readable VTKHDF fields file ({exc}); was the run interrupted "
            "while writing fields?"
        ) from exc
    n_pts = len(points)

    def load(item: tuple[str, int]) -> np.ndarray:
        name, offset = item
        with _h5py().File(path, "r") as f:
            return np.asarray(f["VTKHDF/PointData"][name][offset : offset + n_pts])

    return Fields(
        path=path,
        points=points,
        cells=cells,
        cell_type=cell_type,
        cell_tags=tags,
        times=times,
        formulation=formulation,
        _index=index,
        _load=load,
    )
