"""Rebuild and mesh a 3D gmsh model from boundary triangles (runs in a gmsh child process).

Pure numpy and gmsh, no dolfinx: :mod:`.gmsh_driver` pickles the boundary triangles
(:class:`~.surface3d.Triangles`) and the target sizes, and runs :func:`main` here
(``python -m dendrisim.meshing.remesh.gmsh_model3d IN OUT``) with a time limit.

The model is made of discrete entities (:func:`~.surface3d.discrete_topology`):

- the outer walls (the cylinder or box sides, the bulk top, the foil bottom) keep their
  triangles: their nodes stay exactly on the cylinder and the planes, and each region's
  share of the cell is unchanged;
- every surface between two regions (the reacting surface, the foil top) is
  reparametrised (``gmsh.model.mesh.createGeometry``) and remeshed at the target sizes
  (a size callback: the reacting-surface sizes, growing with the distance to it);
- the volumes are meshed (Delaunay, optimised), then each remeshed reacting surface is
  offset along its normal so that the volume it encloses is the old one (new vertices on
  the old facets cut the curved parts: a few 1e-3 of a thin needle otherwise).

Same physical-group names and ids.  Lengths in µm.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

from dendrisim.meshing.remesh.errors import RebuildError
from dendrisim.meshing.remesh.regions3d import region_volumes
from dendrisim.meshing.remesh.surface3d import Topology, Triangles, discrete_topology

DEFAULT_ALGORITHM = 1  # gmsh 3D Delaunay
GRADING = 0.3  # size growth per unit distance from the reacting surface (as generated)
VOLUME_ITERATIONS = 3  # normal offsets of the reacting surfaces (the volume is ~linear in it)
SIZE_NEIGHBOURS = 8  # reacting-surface vertices the size at a point looks at
VOLUME_TOL = 1e-4  # a rebuilt region's volume may differ from the old by this (relative)
BAD_CELLS = 20  # a mesh below the quality floor: where its worst cells are, for the caller


def _entities(t: Triangles, topo: Topology, volumes: dict[int, list[list[int]]]) -> None:
    """Discrete points, curves, surfaces and volumes with the old triangles as their mesh."""
    import gmsh

    m = gmsh.model
    owner = np.zeros(len(t.x), dtype=np.int64)  # 0: no entity yet
    for i, v in enumerate(topo.points):
        m.addDiscreteEntity(0, i + 1)
        m.mesh.addNodes(0, i + 1, [v + 1], t.x[v])
        m.mesh.addElementsByType(i + 1, 15, [], [v + 1])
        owner[v] = 1
    point_of = {v: i + 1 for i, v in enumerate(topo.points)}
    for j, chain in enumerate(topo.curves):
        m.addDiscreteEntity(1, j + 1, [point_of[chain[0]], point_of[chain[-1]]])
        inner = [v for v in chain[1:-1] if not owner[v]]
        owner[inner] = 1
        if inner:
            m.mesh.addNodes(1, j + 1, [v + 1 for v in inner], t.x[inner].ravel())
        lines = np.column_stack([chain[:-1], chain[1:]]) + 1
        m.mesh.addElementsByType(j + 1, 1, [], lines.ravel())
    for s, sel in enumerate(topo.surfaces):
        m.addDiscreteEntity(2, s + 1, [c + 1 for c in topo.surface_curves[s]])
        verts = np.unique(t.tri[sel])
        inner = verts[owner[verts] == 0]
        owner[inner] = 1
        if inner.size:
            m.mesh.addNodes(2, s + 1, inner + 1, t.x[inner].ravel())
        m.mesh.addElementsByType(s + 1, 2, [], (t.tri[sel] + 1).ravel())
    for rid, parts in volumes.items():  # region r: volume entities r, 100 r + 1, ...
        for k, surfs in enumerate(parts):
            m.addDiscreteEntity(3, _volume_tag(rid, k), [s + 1 for s in surfs])


def _volume_tag(rid: int, k: int) -> int:
    return rid if k == 0 else 100 * rid + k


def _size_callback(points: np.ndarray, sizes: np.ndarray, h_bulk: float):
    """Size callback for gmsh: min over nearby reacting-surface vertices of h + GRADING d."""
    from scipy.spatial import cKDTree

    tree = cKDTree(points)
    k = min(SIZE_NEIGHBOURS, len(points))

    def size(dim, tag, x, y, z, lc):  # noqa: ARG001 - gmsh's signature
        d, i = tree.query((x, y, z), k=k)
        return float(min(h_bulk, np.min(sizes[np.atleast_1d(i)] + GRADING * np.atleast_1d(d))))

    return size


def _generate(job: dict, remesh: list[tuple[int, int]]) -> None:
    """Reparametrise the entities ``remesh``, mesh surfaces and volumes, optimise."""
    import gmsh

    opt = gmsh.option.setNumber
    gmsh.model.mesh.createGeometry(remesh)
    opt("Mesh.MeshSizeExtendFromBoundary", 0)
    opt("Mesh.MeshSizeFromPoints", 0)
    opt("Mesh.MeshSizeFromCurvature", 0)
    opt("Mesh.MeshSizeMax", job["sizing"].h_bulk)
    opt("Mesh.MeshSizeMin", 0.5 * job["sizing"].h_min)
    opt("Mesh.Algorithm", 6)
    opt("Mesh.Algorithm3D", job.get("algorithm", DEFAULT_ALGORITHM))
    opt("Mesh.Optimize", 1)
    opt("Mesh.OptimizeThreshold", 0.3)
    opt("Mesh.ElementOrder", 1)
    opt("Mesh.SaveAll", 0)
    gmsh.model.mesh.setSizeCallback(
        _size_callback(job["size_points"], job["size_values"], job["sizing"].h_bulk)
    )
    gmsh.model.mesh.generate(3)  # discrete entities without a parametrisation keep their mesh


def _surface_mesh(tag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node tags, coordinates and triangles (node tags) of surface ``tag`` (its closure)."""
    import gmsh

    _, nodes = gmsh.model.mesh.getElementsByType(2, tag)
    tris = np.asarray(nodes, dtype=np.int64).reshape(-1, 3)
    tags, coords, _ = gmsh.model.mesh.getNodes(2, tag, includeBoundary=True)
    return np.asarray(tags, dtype=np.int64), np.asarray(coords).reshape(-1, 3), tris


def _flux(x: np.ndarray, tris: np.ndarray) -> tuple[float, np.ndarray]:
    """Enclosed volume (1/3) sum c . A [µm³] and area vectors of the triangles ``tris``."""
    p = x[tris]
    a = 0.5 * np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    return float(np.einsum("ij,ij->", p.mean(axis=1), a) / 3.0), a


def _keep_volume(tag: int, old: Triangles, sel: np.ndarray) -> float:
    """Offset surface ``tag``'s own nodes along its normal: enclosed volume as ``old[sel]``.

    The new triangles are oriented as the nearest old ones.  Returns the relative change
    left.
    """
    import gmsh
    from scipy.spatial import cKDTree

    old_volume = old.flux_volume(sel)
    own, _, _ = gmsh.model.mesh.getNodes(2, tag, includeBoundary=False)
    tags, coords, tris = _surface_mesh(tag)
    x = np.zeros((int(tags.max()) + 1, 3))
    x[tags] = coords
    vol, a = _flux(x, tris)
    _, near = cKDTree(old.x[old.tri[sel]].mean(axis=1)).query(x[tris].mean(axis=1))
    if np.einsum("ij,ij->i", a, old.normals()[sel][near]).sum() < 0:
        tris, vol, a = tris[:, [0, 2, 1]], -vol, -a
    own = np.asarray(own, dtype=np.int64)
    n = np.zeros_like(x)
    for k in range(3):
        np.add.at(n, tris[:, k], a)
    area = float(np.linalg.norm(n[own], axis=1).sum() / 3.0)
    unit = n[own] / np.maximum(np.linalg.norm(n[own], axis=1), 1e-300)[:, None]
    base = x[own].copy()
    shift = 0.0
    for _ in range(VOLUME_ITERATIONS):
        if area <= 0:
            break
        shift += (old_volume - vol) / area
        x[own] = base + shift * unit
        vol, _ = _flux(x, tris)
    for g in own:
        gmsh.model.mesh.setNode(int(g), x[g].tolist(), [])
    return (vol - old_volume) / old_volume if old_volume else 0.0


def build_gmsh_model(job: dict) -> dict:
    """Create and mesh the gmsh model (inside a gmsh session).

    Returns the old and new volume of every region [µm³] and the volume change left at
    each reacting surface (after the offset).
    """
    t: Triangles = job["triangles"]
    topo = discrete_topology(t)
    ids = {r for _, a, b in topo.surface_key for r in (a, b) if r >= 0}
    volumes = {r: region_volumes(t, topo, r) for r in sorted(ids)}
    _entities(t, topo, volumes)
    # surfaces between regions are remeshed; a closed one (a detached piece) keeps its
    # triangles: gmsh cannot parametrise it in one map
    interior = {
        s for s, key in enumerate(topo.surface_key) if key[2] >= 0 and topo.surface_curves[s]
    }
    curves = [c for c, ss in enumerate(topo.curve_surfaces) if set(ss) <= interior]
    remesh = [(1, c + 1) for c in curves] + [(2, s + 1) for s in sorted(interior)]
    _generate(job, remesh)
    left = {}
    for s in sorted(interior):
        if topo.surface_key[s][0] in job["moving_tags"]:
            left[s + 1] = _keep_volume(s + 1, t, topo.surfaces[s])
    _groups(topo, job, volumes)
    old = {r: _region_volume(t, r) for r in volumes}
    new = {
        r: sum(_meshed_volume(_volume_tag(r, k)) for k in range(len(v))) for r, v in volumes.items()
    }
    return {"old": old, "new": new, "surface_change": left, "quality_min": _quality_min()}


def _region_volume(t: Triangles, r: int) -> float:
    """Volume of region ``r`` from its closed boundary (divergence theorem) [µm³]."""
    return t.flux_volume(t.inner == r) - t.flux_volume(t.outer == r)


def _tets(r: int = -1) -> np.ndarray:
    """Vertex positions (n, 4, 3) of the tetrahedra of volume ``r`` (-1: all)."""
    import gmsh

    _, nodes = gmsh.model.mesh.getElementsByType(4, r)
    tags, coords, _ = gmsh.model.mesh.getNodes()
    pos = np.zeros((int(tags.max()) + 1, 3))
    pos[np.asarray(tags, dtype=np.int64)] = np.asarray(coords).reshape(-1, 3)
    return pos[np.asarray(nodes, dtype=np.int64).reshape(-1, 4)]


def _meshed_volume(r: int) -> float:
    p = _tets(r)
    return float(np.abs(np.linalg.det(p[:, 1:] - p[:, :1])).sum() / 6.0) if len(p) else 0.0


def _qualities() -> tuple[np.ndarray, np.ndarray]:
    """Qualities 12 (3 V)^(2/3) / sum(l^2) and centres [µm] of the tetrahedra.

    The quality as solver.motion.quality measures it.
    """
    p = _tets()
    vol = np.abs(np.linalg.det(p[:, 1:] - p[:, :1])) / 6.0
    l2 = sum(((p[:, i] - p[:, j]) ** 2).sum(axis=1) for i in range(4) for j in range(i + 1, 4))
    return 12.0 * np.cbrt(3.0 * vol) ** 2 / np.maximum(l2, 1e-300), p.mean(axis=1)


def _quality_min() -> float:
    """Worst tetrahedron's quality (0 without any)."""
    q, _ = _qualities()
    return float(q.min()) if len(q) else 0.0


def _bad_centres(floor: float) -> np.ndarray:
    """Centres [µm] of the (at most :data:`BAD_CELLS`) worst tetrahedra below ``floor``."""
    q, c = _qualities()
    worst = np.argsort(q)[:BAD_CELLS]
    return c[worst[q[worst] < floor]]


def _volume_drift(info: dict) -> str:
    """'' when every region's meshed volume is its old one to :data:`VOLUME_TOL`."""
    for r, old in info["old"].items():
        change = (info["new"][r] - old) / old if old else 0.0
        if abs(change) > VOLUME_TOL:
            return f"region {r}'s volume changed by {change:.3g} (more than {VOLUME_TOL:g})"
    return ""


def _unmeshed_centres() -> np.ndarray:
    """Centres [µm] of the volumes gmsh left without tetrahedra (their boundary nodes' mean).

    gmsh's 3D Delaunay can fail on one volume (a thin detached thread of Li whose closed
    surface kept its triangles) and go on: the mesh would have a cavity there.
    """
    import gmsh

    out = []
    for _, v in gmsh.model.getEntities(3):
        if not any(len(e) for e in gmsh.model.mesh.getElements(3, v)[1]):
            nodes = [
                gmsh.model.mesh.getNodes(2, abs(s), includeBoundary=True)[1]
                for _, s in gmsh.model.getBoundary([(3, v)], oriented=False)
            ]
            out.append(np.concatenate(nodes).reshape(-1, 3).mean(axis=0))
    return np.array(out).reshape(-1, 3)


def _groups(topo: Topology, job: dict, volumes: dict[int, list[list[int]]]) -> None:
    """Physical groups with the ids and names of the old mesh."""
    import gmsh

    for rid, name in job["regions"].items():
        if volumes.get(rid):
            tags = [_volume_tag(rid, k) for k in range(len(volumes[rid]))]
            gmsh.model.addPhysicalGroup(3, tags, tag=rid, name=name)
    for tag, name in job["facet_names"].items():
        surfs = [s + 1 for s, key in enumerate(topo.surface_key) if key[0] == tag]
        if surfs:
            gmsh.model.addPhysicalGroup(2, surfs, tag=tag, name=name)


def main(argv: list[str] | None = None) -> int:
    """Child process: read the pickled job, build and mesh, write the .msh and volumes."""
    import gmsh

    src, out = (argv or sys.argv[1:])[:2]
    job = pickle.loads(Path(src).read_bytes())
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("remesh3d")
    try:
        info = build_gmsh_model(job)
        floor = job.get("quality_floor", 0.0)
        empty = _unmeshed_centres()
        if len(empty):  # a cavity in the mesh: refused, the driver tries the next algorithm
            print(f"{len(empty)} volume(s) without cells (a cavity)", file=sys.stderr)
            Path(out + ".bad").write_bytes(pickle.dumps(empty))
            return 4
        drift = _volume_drift(info)
        if drift:  # the remesh contract: every region's volume kept to VOLUME_TOL
            print(drift, file=sys.stderr)
            return 4
        if info["quality_min"] < floor:  # the driver tries the next algorithm
            print(f"worst cell {info['quality_min']:.3g} below {floor:g}", file=sys.stderr)
            Path(out + ".bad").write_bytes(pickle.dumps(_bad_centres(floor)))
            return 4
        gmsh.write(out)
        Path(out + ".areas").write_bytes(pickle.dumps(info))
    except RebuildError as exc:
        Path(out + ".error").write_text(str(exc), encoding="utf-8")
        return 3
    finally:
        gmsh.finalize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
