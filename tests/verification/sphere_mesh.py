"""A user-style .msh: an isolated Li sphere (radius a) in an electrolyte ball (radius b).

Axisymmetric half-disks in (r, z) with the group names of
docs/architecture.md#groups, lengths in µm; the
sphere touches no substrate (an isolated particle).  Written by gmsh on rank 0.
"""

from __future__ import annotations

from pathlib import Path

from dendrisim.core import parallel


def write_sphere_msh(
    path: str | Path, a_um: float, b_um: float, h_interface_um: float, h_bulk_um: float, comm=None
) -> Path:
    """Write the mesh to ``path`` (rank 0) and return the path on every rank."""
    path = Path(path)

    def _write() -> None:
        import gmsh

        gmsh.initialize(interruptible=False)
        try:
            gmsh.option.setNumber("General.Terminal", 0)
            gmsh.model.add("sphere")
            occ = gmsh.model.occ
            outer = occ.addDisk(0, 0, 0, b_um, b_um)
            inner = occ.addDisk(0, 0, 0, a_um, a_um)
            half = occ.addRectangle(0, -2 * b_um, 0, 2 * b_um, 4 * b_um)
            occ.intersect([(2, outer)], [(2, half)], removeObject=True, removeTool=False)
            occ.intersect([(2, inner)], [(2, half)], removeObject=True, removeTool=True)
            occ.fragment(occ.getEntities(2), [])
            occ.synchronize()
            surfs = gmsh.model.getEntities(2)
            li, el = [], []
            for _, tag in surfs:
                _, _, _, xmax, _, _ = gmsh.model.getBoundingBox(2, tag)
                (li if xmax < 0.5 * (a_um + b_um) else el).append(tag)
            iface, bulk, axis = [], [], []
            for _, tag in gmsh.model.getEntities(1):
                x0, y0, _, x1, y1, _ = gmsh.model.getBoundingBox(1, tag)
                if x1 < 1e-3 * a_um:
                    axis.append(tag)
                elif max(x1, y1, -y0) < 0.5 * (a_um + b_um):
                    iface.append(tag)
                else:
                    bulk.append(tag)
            for name, dim, tags, pid in (
                ("lithium", 2, li, 1),
                ("electrolyte", 2, el, 2),
                ("interface", 1, iface, 11),
                ("bulk", 1, bulk, 13),
                ("axis", 1, axis, 15),
            ):
                gmsh.model.addPhysicalGroup(dim, tags, pid, name=name)
            field = gmsh.model.mesh.field
            d = field.add("Distance")
            field.setNumbers(d, "CurvesList", iface)
            th = field.add("Threshold")
            field.setNumber(th, "InField", d)
            field.setNumber(th, "SizeMin", h_interface_um)
            field.setNumber(th, "SizeMax", h_bulk_um)
            field.setNumber(th, "DistMin", 0.0)
            field.setNumber(th, "DistMax", b_um - a_um)
            field.setAsBackgroundMesh(th)
            gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
            gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
            gmsh.model.mesh.generate(2)
            path.parent.mkdir(parents=True, exist_ok=True)
            gmsh.write(str(path))
        finally:
            gmsh.finalize()

    parallel.on_root(_write, comm)
    return path
