"""ALE mesh motion: prescribed uniform recession of a Li cylinder keeps its analytic volume."""

from __future__ import annotations

import numpy as np
import pytest

from dendrisim.core import compat, parallel

compat.load_solver_libraries()
from dolfinx import mesh as dmesh  # noqa: E402
from mpi4py import MPI  # noqa: E402

from dendrisim.solver.motion import MeshMotion  # noqa: E402

IDS = {
    "lithium": (2, 1),
    "electrolyte": (2, 2),
    "interface": (1, 11),
    "bulk": (1, 13),
    "axis": (1, 15),
    "side": (1, 16),
    "substrate_top": (1, 17),
}
IDS_SEI = {**IDS, "sei": (2, 3), "li_sei": (1, 12)}


def cylinder_cell(R=0.2, L=1.0, Rc=1.0, H=2.0, n=20, sei=0.0):
    """Axisymmetric (r, z) section: Li cylinder [0,R]x[0,L] in electrolyte [0,Rc]x[0,H].

    ``sei`` > 0 adds an SEI shell [0,R+sei]x[0,L+sei] minus the Li (``interface`` is then
    its outer surface, ``li_sei`` the Li surface); ``sei`` should be a multiple of Rc/n.
    """
    msh = dmesh.create_rectangle(
        MPI.COMM_WORLD, [[0.0, 0.0], [Rc, H]], [n, 2 * n], cell_type=dmesh.CellType.triangle
    )
    tdim, fdim = 2, 1
    msh.topology.create_connectivity(fdim, tdim)
    ncells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    mid = dmesh.compute_midpoints(msh, tdim, np.arange(ncells, dtype=np.int32))
    li = (mid[:, 0] < R) & (mid[:, 1] < L)
    shell = ~li & (mid[:, 0] < R + sei) & (mid[:, 1] < L + sei)
    cell_tags = dmesh.meshtags(
        msh,
        tdim,
        np.arange(ncells, dtype=np.int32),
        np.where(li, 1, np.where(shell, 3, 2)).astype(np.int32),
    )
    eps = 1e-9
    Ro, Lo = R + sei, L + sei  # the solid's outer surface
    markers = {
        13: lambda x: np.isclose(x[1], H),
        15: lambda x: np.isclose(x[0], 0.0),
        16: lambda x: np.isclose(x[0], Rc),
        17: lambda x: np.isclose(x[1], 0.0),
        11: lambda x: (
            ((np.abs(x[0] - Ro) < eps) & (x[1] <= Lo + eps))
            | ((np.abs(x[1] - Lo) < eps) & (x[0] <= Ro + eps))
        ),
    }
    if sei > 0:
        markers[12] = lambda x: (
            ((np.abs(x[0] - R) < eps) & (x[1] <= L + eps))
            | ((np.abs(x[1] - L) < eps) & (x[0] <= R + eps))
        )
    facets, values = [], []
    for tag, fn in markers.items():
        f = dmesh.locate_entities(msh, fdim, fn)
        facets.append(f)
        values.append(np.full(f.size, tag, dtype=np.int32))
    facets = np.concatenate(facets)
    values = np.concatenate(values)
    order = np.argsort(facets, kind="stable")
    facets, values = facets[order], values[order]
    keep = np.ones(facets.size, bool)
    keep[1:] = facets[1:] != facets[:-1]  # a facet carries one tag (first wins)
    facet_tags = dmesh.meshtags(msh, fdim, facets[keep], values[keep])
    return msh, cell_tags, facet_tags


@pytest.mark.mpi
def test_uniform_recession_of_cylinder_follows_analytic_volume():
    R, L, v = 0.2, 1.0, 0.01  # recession speed v = V_m * r [m/s]
    msh, ct, ft = cylinder_cell(R, L)
    vm = 1.3e-5
    motion = MeshMotion(msh, ct, ft, IDS, "axisymmetric", molar_volume_m3_mol=vm)
    motion.set_rate(v / vm)
    v0 = motion.li_volume_m3()
    assert v0 == pytest.approx(np.pi * R**2 * L, rel=1e-12)
    dt, errors = 0.5, []
    for k in range(1, 17):  # recede 0.08 = 40% of the radius
        q = motion.step(dt)
        assert q > 0.1, f"mesh quality dropped to {q}"
        t = k * dt
        exact = np.pi * (R - v * t) ** 2 * (L - v * t)
        errors.append(abs(motion.li_volume_m3() - exact) / exact)
    assert max(errors) < 1e-3, f"max relative volume error {max(errors):.2e}"
    # the axis stayed on the axis and the foot stayed on the substrate plane
    x = msh.geometry.x
    on_axis = np.isclose(x[:, 0], 0.0, atol=1e-12)
    assert parallel.global_sum(float(on_axis.sum())) > 0


@pytest.mark.mpi
def test_consistent_swept_volume_matches_rate_integral():
    """Swept volume per step equals V_m * dt * integral(r dA) (consistent lumping)."""
    R, L, v = 0.2, 1.0, 0.01
    msh, ct, ft = cylinder_cell(R, L)
    motion = MeshMotion(msh, ct, ft, IDS, "axisymmetric", molar_volume_m3_mol=1.0)
    motion.set_rate(v)
    area = 2 * np.pi * R * L + np.pi * R**2  # side + top
    v0 = motion.li_volume_m3()
    motion.step(1e-3)
    swept = v0 - motion.li_volume_m3()
    assert swept == pytest.approx(v * 1e-3 * area, rel=2e-3)


@pytest.mark.mpi
def test_sei_shell_recedes_with_the_li_and_keeps_its_thickness():
    """Resolved shell, uniform rate r on its outer surface: the Li loses V_m r A_out dt.

    Both surfaces move by the same distance (the thickness t is kept) and the Li cylinder
    stays a cylinder, so with the offset d of both surfaces
    V_Li = pi (R-d)^2 (L-d), V_SEI = pi (R+t-d)^2 (L+t-d) - V_Li, and d grows by
    v dt A_out(d) / A_in(d) per step (v = V_m r; the areas are those of the current mesh).
    """
    R, L, t, v = 0.2, 1.0, 0.1, 0.005  # Li speed up to ~2 v: 0.2 cell sizes per step
    msh, ct, ft = cylinder_cell(R, L, sei=t)
    vm = 1.3e-5
    motion = MeshMotion(msh, ct, ft, IDS_SEI, "axisymmetric", molar_volume_m3_mol=vm)
    motion.set_rate(v / vm)

    def area(a, b):  # side + top of a cylinder of radius a, height b
        return 2 * np.pi * a * b + np.pi * a**2

    def volumes(d):
        li = np.pi * (R - d) ** 2 * (L - d)
        return li, np.pi * (R + t - d) ** 2 * (L + t - d) - li

    assert motion.li_volume_m3() == pytest.approx(volumes(0.0)[0], rel=1e-12)
    assert motion.region_volume_m3("sei") == pytest.approx(volumes(0.0)[1], rel=1e-12)
    dt, d, err_li, err_sei = 0.5, 0.0, [], []
    for _ in range(16):
        q = motion.step(dt)
        assert q > 0.1, f"mesh quality dropped to {q}"
        d += v * dt * area(R + t - d, L + t - d) / area(R - d, L - d)
        li, sei = volumes(d)
        err_li.append(abs(motion.li_volume_m3() - li) / li)
        err_sei.append(abs(motion.region_volume_m3("sei") - sei) / sei)
    print(f"offset {d:.4f}, max rel. error Li {max(err_li):.2e}, SEI {max(err_sei):.2e}")
    assert d > 0.05  # a quarter of the Li radius
    assert max(err_li) < 2e-4, f"max relative Li volume error {max(err_li):.2e}"
    assert max(err_sei) < 2e-4, f"max relative SEI volume error {max(err_sei):.2e}"
    motion.destroy()
