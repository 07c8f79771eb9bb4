"""Mesh loading into dolfinx: groups, tags, metres, MPI, and clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dendrisim.core.compat import import_dolfinx

import_dolfinx()

import dolfinx  # noqa: E402
import ufl  # noqa: E402
from mpi4py import MPI  # noqa: E402

import gmsh  # noqa: E402
import numpy as np  # noqa: E402

from dendrisim import load_case  # noqa: E402
from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.errors import MeshError  # noqa: E402
from dendrisim.geometry.build import gmsh_session  # noqa: E402
from dendrisim.geometry.generator import generate  # noqa: E402
from dendrisim.meshing.load import load_case_mesh, load_msh  # noqa: E402

UM3 = 1e-18


@pytest.fixture
def shared_tmp(mpi_tmp_path):
    """A temporary folder, the same path on every rank (conftest's mpi_tmp_path)."""
    return mpi_tmp_path


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


def _facet_cell_tags(b):
    """For every local facet: the cell tags on its two sides (-1 where one side is absent)."""
    tdim = b.mesh.topology.dim
    f2c = b.mesh.topology.connectivity(tdim - 1, tdim)
    n_facets = b.mesh.topology.index_map(tdim - 1).size_local
    ctag = np.full(
        b.mesh.topology.index_map(tdim).size_local + b.mesh.topology.index_map(tdim).num_ghosts,
        -1,
        dtype=np.int32,
    )
    ctag[b.cell_tags.indices] = b.cell_tags.values
    off = f2c.offsets[: n_facets + 1]
    n = np.diff(off)
    first = ctag[f2c.array[off[:-1]]]
    second = np.where(n == 2, ctag[f2c.array[np.minimum(off[:-1] + 1, off[-1] - 1)]], -1)
    ftag = np.zeros(n_facets, dtype=np.int32)
    keep = b.facet_tags.indices < n_facets
    ftag[b.facet_tags.indices[keep]] = b.facet_tags.values[keep]
    return np.sort(np.stack([first, second], axis=1), axis=1), ftag


SHARED_CASES = [
    ("fig5-routine", {}),
    ("fig5-routine", {"geometry.sei_thickness_um": 0.0144}),
    (
        "fig5-stable",
        {
            "geometry.formulation": "planar",
            "geometry.shape": "mushroom",
            "geometry.length_um": 0.9,
            "geometry.diameter_um": 0.2,
            "geometry.sei_thickness_um": 0.02,
        },
    ),
    (
        "fig5-stable",
        {
            "geometry.formulation": "3d",
            "geometry.sei_thickness_um": 0.0144,
            "geometry.cell_radius_um": 0.4,
            "geometry.electrolyte_height_um": 1.0,
            "geometry.mesh_size_interface_um": 0.03,
        },
    ),
]


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize("name, over", SHARED_CASES)
def test_interface_is_exactly_the_shared_boundary(name, over):
    b = load_case_mesh(load_case(name, over or None))
    pairs, ftag = _facet_cell_tags(b)
    li, el = b.id("lithium"), b.id("electrolyte")
    outer = b.id("sei") if b.has("sei") else li
    iface = ftag == b.id("interface")
    assert iface.sum() > 50
    top = ftag == (b.id("substrate_top") if b.has("substrate_top") else -99)
    li_el = (pairs == sorted([li, el])).all(axis=1)
    # every interface facet separates the outer solid (SEI or Li) from electrolyte ...
    assert (pairs[iface] == sorted([outer, el])).all()
    # ... and every such facet is tagged interface (or is the flat foil top)
    shared = (pairs == sorted([outer, el])).all(axis=1)
    assert (iface | top)[shared].all()
    assert li_el[top].all() and top.sum() > 0
    if b.has("sei"):
        lisei = ftag == b.id("li_sei")
        assert (pairs[lisei] == sorted([li, b.id("sei")])).all()
        assert lisei[(pairs == sorted([li, b.id("sei")])).all(axis=1)].all()
        assert not (li_el & ~top).any()  # the dendrite is fully coated


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize(
    "over",
    [
        {"geometry.mesh_order": 2, "geometry.mesh_size_interface_um": 0.02},
        {"geometry.formulation": "planar"},
        {
            "geometry.formulation": "3d",
            "geometry.cell_radius_um": 0.4,
            "geometry.electrolyte_height_um": 1.0,
            "geometry.mesh_size_interface_um": 0.03,
        },
    ],
)
def test_loaded_mesh_keeps_the_reported_geometry(over):
    case = load_case("fig5-stable", over)
    rep = generate(case)
    b = load_case_mesh(case)
    x = ufl.SpatialCoordinate(b.mesh)
    axi = b.formulation == "axisymmetric"
    dS = ufl.Measure("dS", b.mesh, subdomain_data=b.facet_tags)
    wf = (2 * math.pi * x[0])("+") if axi else 1.0
    area = dolfinx.fem.assemble_scalar(dolfinx.fem.form(wf * dS(b.id("interface"))))
    li, _ = _volumes(b)
    dim = b.mesh.geometry.dim if b.formulation == "3d" else 3 if axi else 2
    assert li == pytest.approx(rep.li_volume_um3 * 1e-6**dim, rel=1e-9)
    assert area == pytest.approx(rep.interface_area_um2 * 1e-6 ** (dim - 1), rel=1e-9)
    assert b.mesh.geometry.cmaps[0].degree == case.geometry.mesh_order


def test_case_with_user_mesh_file(tmp_path):
    path = tmp_path / "mine.msh"
    generate(load_case("fig5-stable"), path)
    case = load_case("fig5-stable", {"geometry.mesh": str(path)})
    b = load_case_mesh(case)
    assert _volumes(b)[0] == pytest.approx(0.0260654015 * UM3, rel=5e-3)


@pytest.mark.mpi
def test_same_volumes_on_one_and_all_ranks(shared_tmp):
    path = shared_tmp / "needle.msh"
    generate(load_case("fig5-stable"), path)
    world = _volumes(load_msh(path, MPI.COMM_WORLD))
    alone = _volumes(load_msh(path, MPI.COMM_SELF))
    assert world == pytest.approx(alone, rel=1e-12)
    assert world[0] == pytest.approx(0.0260654015 * UM3, rel=5e-3)
    # generated in memory on rank 0 and distributed: the same mesh as the file
    case = load_case("fig5-stable")
    generated = load_case_mesh(case)
    assert _volumes(generated) == pytest.approx(world, rel=1e-12)
    n_cells = parallel.global_sum(generated.mesh.topology.index_map(2).size_local)
    assert n_cells == generate(case).cells


def _square_mesh(
    path: Path, groups=("lithium", "electrolyte", "interface"), mesh=True, dim=2, flip=False
):
    """Two unit squares side by side (Li | electrolyte) with the given groups."""
    with gmsh_session():
        occ = gmsh.model.occ
        if dim == 3:
            a, b = occ.addBox(0, 0, 0, 1, 1, 1), occ.addBox(1, 0, 0, 1, 1, 1)
        else:
            a, b = occ.addRectangle(0, 0, 0, 1, 1), occ.addRectangle(1, 0, 0, 1, 1)
        occ.fragment([(dim, a)], [(dim, b)])
        occ.synchronize()
        shared = [
            t
            for _, t in gmsh.model.getEntitiesInBoundingBox(
                0.99, -0.01, -0.01, 1.01, 1.01, 1.01, dim - 1
            )
        ]
        ids = {
            "lithium": (dim, [a], 1),
            "electrolyte": (dim, [b], 2),
            "interface": (dim - 1, shared, 11),
            "lithium_as_facet": (dim - 1, shared, 1),
        }
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


@pytest.mark.parametrize(
    "kwargs, formulation, message",
    [
        ({"groups": ("lithium", "electrolyte")}, "planar", 'no physical group "interface"'),
        ({}, "3d", '2D cells but formulation = "3d"'),
        ({"mesh": False}, "planar", "empty"),
        ({"flip": True}, "planar", "inverted"),
        (
            {"groups": ("electrolyte", "interface", "lithium_as_facet")},
            "planar",
            '"lithium" has dimension 1, expected 2',
        ),
    ],
)
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
        gmsh.model.addPhysicalGroup(
            1,
            [
                t
                for _, t in gmsh.model.getEntitiesInBoundingBox(
                    -0.01, -0.01, -0.01, 0.01, 1.01, 0.01, 1
                )
            ],
            11,
            name="interface",
        )
        gmsh.model.mesh.generate(2)
        gmsh.write(str(tmp_path / "neg.msh"))
    with pytest.raises(MeshError, match="r = x >= 0"):
        load_msh(tmp_path / "neg.msh", formulation="axisymmetric")


def test_load_a_gmsh_model_built_by_the_caller():
    from dendrisim.meshing.load import load_gmsh_model

    with gmsh_session():
        occ = gmsh.model.occ
        a, b = occ.addRectangle(0, 0, 0, 1, 1), occ.addRectangle(1, 0, 0, 1, 1)
        occ.fragment([(2, a)], [(2, b)])
        occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [a], 1, name="lithium")
        gmsh.model.addPhysicalGroup(2, [b], 2, name="electrolyte")
        shared = [
            t
            for _, t in gmsh.model.getEntitiesInBoundingBox(0.99, -0.01, -0.01, 1.01, 1.01, 0.01, 1)
        ]
        gmsh.model.addPhysicalGroup(1, shared, 11, name="interface")
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.2)
        gmsh.model.mesh.generate(2)
        b = load_gmsh_model(MPI.COMM_SELF, unit="mm", formulation="planar")
    li, el = _volumes(b)
    assert li == pytest.approx(1e-6) and el == pytest.approx(1e-6)  # 1 mm^2 each, in m^2
    assert b.groups == {"lithium": (2, 1), "electrolyte": (2, 2), "interface": (1, 11)}


def _renumbered_copy(src: Path, dst: Path, new_ids: dict[str, int]) -> None:
    """Write ``src`` again with some physical groups under other ids (a user's numbering)."""
    with gmsh_session():
        gmsh.open(str(src))
        groups = {
            gmsh.model.getPhysicalName(d, t): (d, t) for d, t in gmsh.model.getPhysicalGroups()
        }
        ents = {n: gmsh.model.getEntitiesForPhysicalGroup(d, t) for n, (d, t) in groups.items()}
        gmsh.model.removePhysicalGroups(list(groups.values()))
        for name, (d, tag) in groups.items():
            gmsh.model.addPhysicalGroup(d, list(ents[name]), new_ids.get(name, tag), name=name)
        gmsh.write(str(dst))


@pytest.mark.skip_in_parallel
def test_user_group_ids_are_renumbered_to_the_contract(tmp_path):
    """A user's .msh may number its groups freely: the run is the same as with the contract's.

    Swapped cell ids (lithium 2, electrolyte 1), the interface under an id of another
    contract group (13 = bulk's) and bulk under a free id.
    """
    from dendrisim.api.run_case import simulation
    from dendrisim.core.groups import CELL_IDS, GROUP_IDS

    case = load_case("fig5-stable", overrides={"time.end_s": 0.5})
    generate(case, tmp_path / "contract.msh")
    _renumbered_copy(
        tmp_path / "contract.msh",
        tmp_path / "user.msh",
        {"lithium": 2, "electrolyte": 1, "interface": 13, "bulk": 40},
    )
    runs = {}
    for name in ("contract", "user"):
        b = load_msh(tmp_path / f"{name}.msh", formulation="axisymmetric")
        assert {n: b.groups[n][1] for n in b.groups} == {n: GROUP_IDS[n] for n in b.groups}
        assert set(np.unique(b.cell_tags.values)) <= set(CELL_IDS.values())
        sim = simulation(case, b, quiet=True)
        sim.run()
        runs[name] = sim.history
    for key in ("li_retention", "T_interface_mean_K", "species_mol"):
        a = [row[key] for row in runs["contract"]]
        u = [row[key] for row in runs["user"]]
        assert np.allclose(a, u, rtol=1e-12, atol=0), key
