"""One mesh segment's fields as ADIOS2 VTX (``.bp`` folder; ParaView's ADIOS2VTXReader).

dolfinx's :class:`dolfinx.io.VTXWriter` writes collectively; the mesh is written once at
the first time (the segment's reference mesh, ``VTXMeshPolicy.reuse``), like the other
formats, so ``displacement_m`` gives the moved mesh (ParaView: Warp By Vector).
"""

from __future__ import annotations

import os
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx.io  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.errors import OutputError  # noqa: E402
from dendrisim.io.field_values import NodalFields  # noqa: E402


class VtxWriter:
    """Fields of one mesh in the ``.bp`` folder ``path``, one time step per :meth:`write`."""

    def __init__(self, path: str | Path, model, fields=("c", "T", "displacement")):
        self.path = Path(path)
        self.comm = model.mesh.comm
        self.values = NodalFields(model, fields)
        functions = [self.values.functions[n] for n in self.values.fields]
        self.writer = self._guard(
            lambda: dolfinx.io.VTXWriter(
                self.comm,
                str(self.path),
                functions,
                engine="BP4",
                mesh_policy=dolfinx.io.VTXMeshPolicy.reuse,
            )
        )

    def _guard(self, fn):
        """Run the collective ``fn``; a failure on any rank is an OutputError on every rank."""
        result, error = None, None
        try:
            result = fn()
        except (OSError, RuntimeError) as exc:
            why = os.strerror(exc.errno) if getattr(exc, "errno", None) else str(exc)
            error = OutputError(f"{self.path}: cannot write the fields ({why})")
        if parallel.global_any(error is not None, self.comm):
            errors = [e for e in parallel.gather_all(error, self.comm) if e is not None]
            raise errors[0]
        return result

    def write(self, t: float) -> None:
        """Write the fields at time ``t`` [s] (collective)."""
        self.values.update()
        self._guard(lambda: self.writer.write(t))

    def close(self) -> None:
        """Close the writer (collective)."""
        self._guard(self.writer.close)
