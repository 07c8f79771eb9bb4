"""The fields files of a results folder, one per mesh segment, in time order (no dolfinx).

``fields.<ext>`` holds the first mesh, ``fields_remesh<k>.<ext>`` the mesh after the k-th
remesh; ``<ext>`` is ``vtkhdf`` (default), ``xdmf`` or ``bp`` (``output.format``).
"""

from __future__ import annotations

from pathlib import Path

from dendrisim.core.errors import DendrisimError
from dendrisim.io.field_reader import Fields, read_fields
from dendrisim.io.vtkhdf_reader import read_vtkhdf

READERS = {"vtkhdf": read_vtkhdf, "xdmf": read_fields}


def segment_files(folder: str | Path, ext: str) -> list[Path]:
    """``fields.<ext>`` then ``fields_remesh<k>.<ext>`` by k (those that exist)."""
    folder = Path(folder)
    later = sorted(
        folder.glob(f"fields_remesh*.{ext}"),
        key=lambda p: int(p.name.split(".")[0].removeprefix("fields_remesh") or 0),
    )
    return [p for p in [folder / f"fields.{ext}", *later] if p.exists()]


def read_segments(folder: str | Path, formulation: str = "axisymmetric") -> list[Fields]:
    """The :class:`Fields` of each mesh segment with stored times (at least one segment)."""
    folder = Path(folder)
    for ext, reader in READERS.items():
        files = segment_files(folder, ext)
        if files:
            segs = [reader(f, formulation) for f in files]
            return [f for f in segs if f.times.size] or segs[:1]
    if segment_files(folder, "bp"):
        raise DendrisimError(
            f'{folder}: the fields are ADIOS2 VTX (.bp, output.format = "vtx"): open them '
            "in ParaView (ADIOS2VTXReader); Result.fields() reads output.format = "
            '"vtkhdf" (the default) and "xdmf"'
        )
    return [read_vtkhdf(folder / "fields.vtkhdf", formulation)]  # the usual "no file" error
