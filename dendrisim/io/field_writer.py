"""Fields for ParaView: c [mol/m3], T [K], displacement [m] in XDMF.

Part of the results contract (docs/architecture.md#results-layout).
"""

from __future__ import annotations

from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx  # noqa: E402
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.solver.sinks import Sink  # noqa: E402


class FieldWriter:
    """XDMF writer: mesh and cell tags once, then c, T, displacement at chosen times.

    A context manager (closes the file).  Fields of degree > 1 are interpolated to P1.
    """

    def __init__(self, path: str | Path, model, fields=("c", "T", "displacement")):
        self.model = model
        mesh = model.mesh
        self.fields = tuple(fields)
        P1 = fem.functionspace(mesh, ("Lagrange", 1))
        self.c = fem.Function(P1, name="c")
        self.T = fem.Function(P1, name="T")
        self.disp = fem.Function(
            fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,))), name="displacement"
        )
        self._subs = []
        for i in range(2):
            space, dofs = model.V.sub(i).collapse()
            self._subs.append((space, np.concatenate([np.asarray(d) for d in dofs])))
        self._tmp = [fem.Function(s[0]) for s in self._subs]
        self._li_mask = np.isin(self._subs[0][1], model.li_species_dofs)
        self.file = dolfinx.io.XDMFFile(mesh.comm, str(path), "w")
        self.file.write_mesh(mesh)
        tags = model.bundle.cell_tags
        tags.name = "cell_tags"
        self.file.write_meshtags(tags, mesh.geometry)

    def write(self, t: float) -> None:
        """Write the current fields at time ``t`` [s]."""
        m = self.model
        arr = m.u.x.array
        for i, (out, scale, offset) in enumerate(
            ((self.c, m.c_scale, 0.0), (self.T, m.T_scale, m.T0))
        ):
            tmp = self._tmp[i]
            tmp.x.array[:] = offset + scale * arr[self._subs[i][1]]
            if i == 0:
                tmp.x.array[self._li_mask] = 0.0  # no species in Li (contract: write 0)
            out.interpolate(tmp)
        motion = getattr(m, "motion", None)
        if motion is not None:
            self.disp.interpolate(motion.displacement)
        for name, f in (("c", self.c), ("T", self.T), ("displacement", self.disp)):
            if name in self.fields:
                self.file.write_function(f, t)

    def close(self) -> None:
        """Close the file."""
        self.file.close()

    def __enter__(self) -> FieldWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FieldSink(Sink):
    """A run's field output: ``fields.xdmf``, then ``fields_remesh<k>.xdmf`` per remesh.

    Writes at the output times the time loop reports (t = 0 first).
    """

    def __init__(self, folder: str | Path, fields=("c", "T", "displacement")):
        self.folder = Path(folder)
        self.fields = tuple(fields)
        self.writer: FieldWriter | None = None

    def start(self, model, columns, values) -> None:
        """Open ``fields.xdmf`` (mesh and cell tags)."""
        self.writer = FieldWriter(self.folder / "fields.xdmf", model, self.fields)

    def output(self, model, time_s: float) -> None:
        """Write the fields at ``time_s`` [s]."""
        if self.writer is not None:
            self.writer.write(time_s)

    def remeshed(self, model, count: int) -> None:
        """Continue in ``fields_remesh<count>.xdmf`` on the new mesh."""
        self.close()
        self.writer = FieldWriter(self.folder / f"fields_remesh{count}.xdmf", model, self.fields)

    def resumed(self, model, columns, rows: int) -> None:
        """A resumed run continues in ``fields_resume<k>.xdmf`` (k = 1, 2, ...)."""

        def free() -> int:
            k = 1
            while (self.folder / f"fields_resume{k}.xdmf").exists():
                k += 1
            return k

        k = parallel.on_root(free, model.comm)
        self.writer = FieldWriter(self.folder / f"fields_resume{k}.xdmf", model, self.fields)

    def close(self) -> None:
        """Close the current file."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
