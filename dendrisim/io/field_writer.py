"""A run's field output (FieldSink): the writer of ``output.format`` per mesh segment.

Part of the results contract (docs/architecture.md#results-layout).
"""

from __future__ import annotations

from pathlib import Path

from dendrisim.solver.sinks import Sink

# output.format -> (file of the first mesh, file after the k-th remesh)
FORMAT_FILES = {
    "vtkhdf": ("fields.vtkhdf", "fields_remesh{k}.vtkhdf"),
    "vtx": ("fields.bp", "fields_remesh{k}.bp"),
    "xdmf": ("fields.xdmf", "fields_remesh{k}.xdmf"),
}


def _writer(fmt: str, path: Path, model, fields):
    """The writer of one mesh segment in ``fmt`` (collective)."""
    if fmt == "vtkhdf":
        from dendrisim.io.vtkhdf_writer import VtkHdfWriter

        return VtkHdfWriter(path, model, fields)
    if fmt == "vtx":
        from dendrisim.io.vtx_writer import VtxWriter

        return VtxWriter(path, model, fields)
    from dendrisim.io.xdmf_writer import XdmfWriter

    return XdmfWriter(path, model, fields)


class FieldSink(Sink):
    """A run's field output in ``output.format``: one file per mesh segment.

    ``fields.<ext>``, then ``fields_remesh<k>.<ext>`` per remesh; for VTKHDF also
    ``fields_all.vtkhdf``, the index over the segments (:mod:`dendrisim.io.vtkhdf_index`).

    Writes at the output times the time loop reports (t = 0 first).
    """

    def __init__(self, folder: str | Path, fields=("c", "T", "displacement"), fmt="vtkhdf"):
        self.folder = Path(folder)
        self.fields = tuple(fields)
        self.format = fmt
        self.writer = None
        self.segments: list = []  # rank 0, VTKHDF: the segments for the index

    def _open(self, model, k: int) -> None:
        first, later = FORMAT_FILES[self.format]
        path = self.folder / (first if k == 0 else later.format(k=k))
        self.writer = _writer(self.format, path, model, self.fields)
        segment = getattr(self.writer, "segment", None)
        if segment is not None:
            self.segments.append(segment)

    def start(self, model, columns, values) -> None:
        """Open the first segment's file (mesh and cell tags)."""
        self._open(model, 0)

    def output(self, model, time_s: float) -> None:
        """Write the fields at ``time_s`` [s]."""
        if self.writer is not None:
            self.writer.write(time_s)
            if self.format == "vtkhdf" and getattr(self, "format_index", True):
                self._write_index(model.mesh.comm)

    def _write_index(self, comm) -> None:
        from dendrisim.core import parallel
        from dendrisim.core.errors import OutputError
        from dendrisim.io.vtkhdf_index import write_index

        def write() -> None:
            try:
                write_index(self.folder, self.segments)
            except OSError as exc:
                raise OutputError(f"{self.folder}: cannot write the fields index ({exc})") from None

        parallel.on_root(write, comm)

    def resumed(self, model, columns, rows: int) -> None:
        """A resumed run writes ``fields_resume<k>.<ext>`` (k = 1, 2, ...; not in the index)."""
        from dendrisim.core import parallel

        ext = FORMAT_FILES[self.format][0].split(".", 1)[1]

        def free() -> int:
            k = 1
            while (self.folder / f"fields_resume{k}.{ext}").exists():
                k += 1
            return k

        k = parallel.on_root(free, model.comm)
        self.writer = _writer(
            self.format, self.folder / f"fields_resume{k}.{ext}", model, self.fields
        )
        self.format_index = False  # the stopped run's index stays as it was

    def remeshed(self, model, count: int) -> None:
        """Continue in the ``count``-th remesh file on the new mesh."""
        self.close()
        self._open(model, count)

    def close(self) -> None:
        """Close the current file."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
