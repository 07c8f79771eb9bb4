"""Mesh loading into dolfinx: groups, tags, metres, MPI, and clear errors."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import pytest

from dendrisim.compat import import_dolfinx

import_dolfinx()

import dolfinx  # noqa: E402
import ufl  # noqa: E402
from mpi4py import MPI  # noqa: E402

import gmsh  # noqa: E402
import numpy as np  # noqa: E402

from dendrisim import load_case, parallel  # noqa: E402
from dendrisim.errors import MeshError  # noqa: E402
from dendrisim.geometry import generate, gmsh_session  # noqa: E402
from dendrisim.mesh import load_case_mesh, load_msh  # noqa: E402

UM3 = 1e-18


@pytest.fixture
def shared_tmp():
    """A temporary folder made on rank 0, the same path on every rank."""
    path = parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-mesh-"))
    yield Path(path)
    parallel.barrier()
    if parallel.is_root():
        shutil.rmtree(path, ignore_errors=True)
    parallel.barrier()


def _volumes(b):
    """(Li volume above z = 0, electrolyte volume) [m^3], revolved if axisymmetric."""
    x = ufl.SpatialCoordinate(b.mesh)
    w = 2 * math.pi * x[0] if b.formulation == "axisymmetric" else 1.0
    up = ufl.conditional(ufl.gt(x[b.mesh.geometry.dim - 1], 0.0), 1.0, 0.0)
    dx = ufl.Measure("dx", b.mesh, subdomain_data=b.cell_tags)
    li = dolfinx.fem.assemble_scalar(dolfinx.fem.form(w * up * dx(b.id("lithium"))))
    el = dolfinx.fem.assemble_scalar(dolfinx.fem.form(w * dx(b.id("electrolyte"))))
    return parallel.global_sum(li, b.mesh.comm), parallel.global_sum(el, b.mesh.comm)


def test_case_mesh_in_metres_with_analytic_volume():
    case = load_case("fig5-routine")
    b = load_case_mesh(case)
    assert b.formulation == "axisymmetric" and b.has("interface") and not b.has("sei")
    assert b.id("lithium") == 1 and b.id("electrolyte") == 2 and b.id("interface") == 11
    xmax = parallel.global_max(b.mesh.geometry.x[:, 1], b.mesh.comm)
    assert xmax == pytest.approx(5e-6)  # electrolyte height 5 µm, in metres
    li, el = _volumes(b)
    assert li == pytest.approx(case.geometry.analytic_volume_um3() * UM3, rel=5e-3)
    cell = math.pi * 0.5**2 * 5.0
    assert el == pytest.approx((cell - case.geometry.analytic_volume_um3()) * UM3, rel=5e-3)
    with pytest.raises(MeshError, match="no physical group 'sei'"):
        b.id("sei")


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize("over", [{}, {"geometry.sei_thickness_um": 0.0144}])
def test_interface_is_exactly_the_shared_boundary(over):
    b = load_case_mesh(load_case("fig5-routine", over or None))
    tdim = b.mesh.topology.dim
    f2c = b.mesh.topology.connectivity(tdim - 1, tdim)
    n_cells = b.mesh.topology.index_map(tdim).size_local
    ctag = np.zeros(n_cells, dtype=np.int32)
    ctag[b.cell_tags.indices] = b.cell_tags.values
    ftag = {int(f): int(v) for f, v in zip(b.facet_tags.indices, b.facet_tags.values,
                                           strict=True)}
    solid = {b.id("lithium")} | ({b.id("sei")} if b.has("sei") else set())
    outer = {b.id("sei")} if b.has("sei") else {b.id("lithium")}
    n_facets = b.mesh.topology.index_map(tdim - 1).size_local
    n_iface = 0
    for f in range(n_facets):
        cells = f2c.links(f)
        pair = {int(ctag[c]) for c in cells}
        is_shared = len(cells) == 2 and b.id("electrolyte") in pair and pair & solid
        tag = ftag.get(f)
        if tag == b.id("interface"):
            n_iface += 1
            assert len(cells) == 2 and pair == outer | {b.id("electrolyte")}
        if is_shared:
            assert tag in (b.id("interface"), b.id("substrate_top")), (f, pair, tag)
    assert n_iface > 50


@pytest.mark.mpi
def test_same_volumes_on_one_and_all_ranks(shared_tmp):
    path = shared_tmp / "needle.msh"
    generate(load_case("fig5-stable"), path)
    world = _volumes(load_msh(path, MPI.COMM_WORLD))
    alone = _volumes(load_msh(path, MPI.COMM_SELF))
    assert world == pytest.approx(alone, rel=1e-12)
    assert world[0] == pytest.approx(0.0260654015 * UM3, rel=5e-3)


def _square_mesh(path: Path, groups=("lithium", "electrolyte", "interface"), mesh=True,
                 dim=2, flip=False):
    """Two unit squares side by side (Li | electrolyte) with the given groups."""
    with gmsh_session():
        occ = gmsh.model.occ
        if dim == 3:
            a, b = occ.addBox(0, 0, 0, 1, 1, 1), occ.addBox(1, 0, 0, 1, 1, 1)
        else:
            a, b = occ.addRectangle(0, 0, 0, 1, 1), occ.addRectangle(1, 0, 0, 1, 1)
        occ.fragment([(dim, a)], [(dim, b)])
        occ.synchronize()
        shared = [t for _, t in gmsh.model.getEntitiesInBoundingBox(
            0.99, -0.01, -0.01, 1.01, 1.01, 1.01, dim - 1)]
        ids = {"lithium": (dim, [a], 1), "electrolyte": (dim, [b], 2),
               "interface": (dim - 1, shared, 11), "lithium_as_facet": (dim - 1, shared, 1)}
        for g in groups:
            d, tags, i = ids[g]
            gmsh.model.addPhysicalGroup(d, tags, i, name=g.replace("_as_facet", ""))
        if mesh:
            gmsh.option.setNumber("Mesh.MeshSizeMax", 0.25)
            gmsh.model.mesh.generate(dim)
            if flip:
                et = gmsh.model.mesh.getElementTypes(dim)[0]
                tags, nodes = gmsh.model.mesh.getElementsByType(et, a)
                nodes = np.asarray(nodes).reshape(len(tags), -1)
                nodes[0, [0, 1]] = nodes[0, [1, 0]]
                gmsh.model.mesh.removeElements(dim, a, [tags[0]])
                gmsh.model.mesh.addElementsByType(a, et, [tags[0]], nodes[0])
        gmsh.write(str(path))
    return path


def test_user_msh_with_unit(tmp_path):
    p = _square_mesh(tmp_path / "ok.msh")
    b = load_msh(p, unit="mm", formulation="planar")
    assert parallel.global_max(b.mesh.geometry.x[:, 0], b.mesh.comm) == pytest.approx(2e-3)
    assert set(b.groups) == {"lithium", "electrolyte", "interface"}


@pytest.mark.parametrize("kwargs, formulation, message", [
    ({"groups": ("lithium", "electrolyte")}, "planar", "no physical group \"interface\""),
    ({}, "3d", "2D cells but formulation = \"3d\""),
    ({"mesh": False}, "planar", "empty"),
    ({"flip": True}, "planar", "inverted"),
    ({"groups": ("electrolyte", "interface", "lithium_as_facet")}, "planar",
     "\"lithium\" has dimension 1, expected 2"),
])
def test_bad_user_mesh_gives_clear_error(tmp_path, kwargs, formulation, message):
    p = _square_mesh(tmp_path / "bad.msh", **kwargs)
    with pytest.raises(MeshError, match=message):
        load_msh(p, formulation=formulation)


def test_missing_file_and_bad_unit(tmp_path):
    with pytest.raises(MeshError, match="not found"):
        load_msh(tmp_path / "nope.msh")
    with pytest.raises(MeshError, match="unit"):
        load_msh(_square_mesh(tmp_path / "ok.msh"), unit="inch")


def test_axisymmetric_mesh_needs_positive_r(tmp_path):
    with gmsh_session():
        occ = gmsh.model.occ
        a, b = occ.addRectangle(-1, 0, 0, 1, 1), occ.addRectangle(0, 0, 0, 1, 1)
        occ.fragment([(2, a)], [(2, b)])
        occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [a], 1, name="lithium")
        gmsh.model.addPhysicalGroup(2, [b], 2, name="electrolyte")
        gmsh.model.addPhysicalGroup(1, [t for _, t in gmsh.model.getEntitiesInBoundingBox(
            -0.01, -0.01, -0.01, 0.01, 1.01, 0.01, 1)], 11, name="interface")
        gmsh.model.mesh.generate(2)
        gmsh.write(str(tmp_path / "neg.msh"))
    with pytest.raises(MeshError, match="r = x >= 0"):
        load_msh(tmp_path / "neg.msh", formulation="axisymmetric")
