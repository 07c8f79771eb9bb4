"""Mesh loading: a gmsh model or a .msh file -> dolfinx mesh + tags, in metres, over MPI.

gmsh runs on rank 0 only; ``dolfinx.io.gmsh.model_to_mesh`` distributes the mesh.
The mesh is checked there first (required groups and their dimensions, empty or
inverted cells), and every rank raises the same :class:`~dendrisim.core.errors.MeshError`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()

import dolfinx  # noqa: E402
import dolfinx.io.gmsh  # noqa: E402

import gmsh  # noqa: E402
import numpy as np  # noqa: E402

from dendrisim.core import groups as G  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.errors import MeshError  # noqa: E402
from dendrisim.core.units import LENGTH_UNIT_TO_M  # noqa: E402

UNIT_TO_M = LENGTH_UNIT_TO_M
FORMULATIONS = ("axisymmetric", "planar", "3d")


@dataclass
class MeshBundle:
    """A dolfinx mesh (metres) with its cell and facet tags and group names."""

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (dim, id)
    formulation: str = "axisymmetric"

    def id(self, name: str) -> int:
        """Integer tag of the physical group ``name``."""
        if name not in self.groups:
            raise MeshError(
                f"the mesh has no physical group {name!r}; it has: {', '.join(sorted(self.groups))}"
            )
        return self.groups[name][1]

    def has(self, name: str) -> bool:
        """True if the mesh has the physical group ``name``."""
        return name in self.groups


def _gdim(formulation: str) -> int:
    if formulation not in FORMULATIONS:
        raise MeshError(f"formulation {formulation!r} is not one of {', '.join(FORMULATIONS)}")
    return 3 if formulation == "3d" else 2


def _corner_coords(dim: int) -> np.ndarray:
    """Corner-node coordinates of all cells of dimension ``dim``: (cells, dim+1, 3)."""
    node_tags, xyz, _ = gmsh.model.mesh.getNodes()
    node_tags = np.asarray(node_tags)
    xyz = np.asarray(xyz).reshape(-1, 3)
    order = np.argsort(node_tags)
    out = []
    for et in gmsh.model.mesh.getElementTypes(dim):
        _, tags = gmsh.model.mesh.getElementsByType(et)
        n = gmsh.model.mesh.getElementProperties(et)[3]
        corners = np.asarray(tags).reshape(-1, n)[:, : dim + 1]
        out.append(xyz[order[np.searchsorted(node_tags[order], corners)]])
    return np.concatenate(out) if out else np.zeros((0, dim + 1, 3))


def _signed_measure(c: np.ndarray, dim: int) -> np.ndarray:
    e = c[:, 1:, :] - c[:, :1, :]
    if dim == 3:
        return np.einsum("ij,ij->i", e[:, 0], np.cross(e[:, 1], e[:, 2])) / 6.0
    return 0.5 * (e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0])


def check_model(formulation: str) -> dict[str, tuple[int, int]]:
    """Validate the current gmsh model for ``formulation``; return its physical groups.

    Raises MeshError naming the problem: no cells, wrong dimension, a missing or empty
    required group, a group of the wrong dimension, inverted or degenerate cells, r < 0
    in an axisymmetric mesh.
    """
    gdim = _gdim(formulation)
    dim = gmsh.model.getDimension()
    if dim < 0 or len(gmsh.model.mesh.getElementTypes(dim)) == 0:
        raise MeshError("the mesh is empty: it has no elements")
    if dim != gdim:
        raise MeshError(
            f'the mesh has {dim}D cells but formulation = "{formulation}" needs {gdim}D cells'
        )
    groups = {}
    for d, tag in gmsh.model.getPhysicalGroups():
        groups[gmsh.model.getPhysicalName(d, tag) or str(tag)] = (d, tag)
    for name, want in [(n, dim) for n in G.REQUIRED_CELL_GROUPS] + [
        (n, dim - 1) for n in G.REQUIRED_FACET_GROUPS
    ]:
        if name not in groups:
            raise MeshError(
                f'the mesh has no physical group "{name}" ({want}D); required: '
                f"{', '.join(G.REQUIRED_CELL_GROUPS + G.REQUIRED_FACET_GROUPS)}; "
                f"found: {', '.join(sorted(groups)) or 'none'}"
            )
    for name, (d, tag) in groups.items():
        want = dim if name in G.CELL_IDS else dim - 1 if name in G.FACET_IDS else d
        if d != want:
            raise MeshError(
                f'physical group "{name}" has dimension {d}, expected {want} (cells are {dim}D)'
            )
        ents = gmsh.model.getEntitiesForPhysicalGroup(d, tag)
        n = sum(len(t) for e in ents for t in gmsh.model.mesh.getElements(d, e)[1])
        if n == 0:
            raise MeshError(f'physical group "{name}" ({d}D) has no mesh elements')
    c = _corner_coords(dim)
    if dim < 3 and np.abs(c[:, :, 2]).max() > 0:
        raise MeshError("a 2D mesh must lie in the z = 0 plane (x, y coordinates)")
    vol = _signed_measure(c, dim)
    scale = np.ptp(c.reshape(-1, 3), axis=0).max() ** dim
    if np.abs(vol).min() <= 1e-14 * scale:
        raise MeshError(f"the mesh has degenerate cells (zero {'volume' if dim == 3 else 'area'})")
    if dim == 3 and (vol < 0).any():
        raise MeshError(f"the mesh has {(vol < 0).sum()} inverted cells (negative volume)")
    if dim == 2 and (vol < 0).any() and (vol > 0).any():
        raise MeshError(
            f"the mesh has {min((vol < 0).sum(), (vol > 0).sum())} inverted cells "
            "(orientation opposite to the rest)"
        )
    if formulation == "axisymmetric" and c[:, :, 0].min() < -1e-9 * np.ptp(c[:, :, 0]):
        raise MeshError("an axisymmetric mesh needs r = x >= 0 everywhere (the axis at x = 0)")
    return canonical_group_ids(groups)


def canonical_group_ids(groups: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Give the contract's groups their contract ids in the current gmsh model.

    A user's .msh may number its physical groups freely; downstream code (solver,
    remeshing, the results readers) relies on the ids of :mod:`dendrisim.core.groups`.
    Contract groups are renumbered to those ids; other groups whose id collides with a
    contract id move to a free id above them.  Returns the new ``{name: (dim, id)}``.
    """
    entities = {
        name: gmsh.model.getEntitiesForPhysicalGroup(d, tag) for name, (d, tag) in groups.items()
    }
    if all(groups[n][1] == G.GROUP_IDS[n] for n in groups if n in G.GROUP_IDS) and not any(
        groups[n][1] in G.GROUP_IDS.values() for n in groups if n not in G.GROUP_IDS
    ):
        return groups
    gmsh.model.removePhysicalGroups([dt for dt in groups.values()])
    spare = max([*G.GROUP_IDS.values(), *(tag for _, tag in groups.values())]) + 1
    out = {}
    for name, (d, tag) in groups.items():
        if name in G.GROUP_IDS:
            tag = G.GROUP_IDS[name]
        elif tag in G.GROUP_IDS.values():
            tag, spare = spare, spare + 1
        gmsh.model.addPhysicalGroup(d, list(entities[name]), tag, name=name)
        out[name] = (d, tag)
    return out


def _to_bundle(comm, formulation: str, scale_m: float, check) -> MeshBundle:
    """Validate the model on rank 0 (``check``), then distribute it with dolfinx."""
    groups = parallel.on_root(check, comm)
    # shared_facet ghosting: interior-facet (dS) integrals on the Li/electrolyte interface
    # need both cells of a facet on a partition boundary (solver, issue #4)
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    data = dolfinx.io.gmsh.model_to_mesh(
        gmsh.model if parallel.is_root(comm) else None,
        comm,
        0,
        gdim=_gdim(formulation),
        partitioner=partitioner,
    )
    data.mesh.geometry.x[:] *= scale_m
    tdim = data.mesh.topology.dim
    data.mesh.topology.create_connectivity(tdim - 1, tdim)
    return MeshBundle(
        mesh=data.mesh,
        cell_tags=data.cell_tags,
        facet_tags=data.facet_tags,
        groups=groups,
        formulation=formulation,
    )


@contextlib.contextmanager
def gmsh_on_root(comm):
    """A gmsh session on rank 0 (the other ranks do nothing) for the ``with`` block."""
    if parallel.is_root(comm):
        from dendrisim.geometry.build import gmsh_session

        with gmsh_session():
            yield
    else:
        yield


def load_msh(
    path: str | Path,
    comm=None,
    unit: str = "um",
    formulation: str = "axisymmetric",
    label: str | None = None,
) -> MeshBundle:
    """Load a gmsh .msh (generated or a user's own) into a :class:`MeshBundle` (metres).

    ``unit`` is the length unit inside the file (m, mm, um, nm); ``label`` names the file
    in messages (default: ``path``). A file gmsh cannot read is a MeshError raised on every
    rank, reported once (rank 0 reads).
    """
    comm = comm or parallel.world()
    if unit not in UNIT_TO_M:
        raise MeshError(f"mesh unit {unit!r} is not one of {', '.join(UNIT_TO_M)}")
    p = Path(path)
    if not parallel.on_root(p.is_file, comm):
        raise MeshError(f"mesh file not found: {p}")

    def check() -> dict:
        try:
            gmsh.open(str(p))
        except Exception as exc:  # noqa: BLE001 - gmsh raises a bare Exception
            why = str(exc).replace(f"'{p}', ", "").strip() or "unreadable"
            raise MeshError(
                f"{label or p}: not a mesh gmsh can read ({why}); give a gmsh .msh file "
                "(format 2.2 or 4.1), e.g. from `dendrisim mesh`"
            ) from None
        try:
            return check_model(formulation)
        except MeshError as exc:
            raise MeshError(f"{label or p}: {exc}") from None

    with gmsh_on_root(comm):
        return _to_bundle(comm, formulation, UNIT_TO_M[unit], check)


def load_gmsh_model(
    comm=None, unit: str = "um", formulation: str = "axisymmetric", check=None
) -> MeshBundle:
    """Load the current (meshed) gmsh model of rank 0 into a :class:`MeshBundle`.

    The caller owns the gmsh session (initialised on rank 0); other ranks pass nothing.
    ``check`` (rank 0) may build the model first; it returns the groups as
    :func:`check_model` does (the default).
    """
    comm = comm or parallel.world()
    if unit not in UNIT_TO_M:
        raise MeshError(f"mesh unit {unit!r} is not one of {', '.join(UNIT_TO_M)}")
    return _to_bundle(
        comm, formulation, UNIT_TO_M[unit], check or (lambda: check_model(formulation))
    )


def load_case_mesh(case, comm=None) -> MeshBundle:
    """The mesh of a case: its ``geometry.mesh`` file, or generated in memory with gmsh.

    ``case`` is a :class:`~dendrisim.config.Case`, a case file path or a built-in name.
    """
    from dendrisim.config import load_case

    case = load_case(case)
    comm = comm or parallel.world()
    g = case.geometry
    if g.mesh:
        base = Path(case.source_dir) if getattr(case, "source_dir", "") else None
        return load_msh(g.mesh_path(base), comm, unit=g.mesh_unit, formulation=g.formulation)
    from dendrisim.geometry.generator import build_case_model

    def build() -> dict:
        build_case_model(case)
        return check_model(g.formulation)

    with gmsh_on_root(comm):
        return _to_bundle(comm, g.formulation, UNIT_TO_M["um"], build)
