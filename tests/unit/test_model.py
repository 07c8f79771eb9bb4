"""Model building blocks: parameters from a case, Li-only species dofs, ALE slot, rebuild."""

import numpy as np

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

from dendrisim.meshing.builtin_meshes import slab_mesh  # noqa: E402
from dendrisim.physics.forms import CoupledModel  # noqa: E402
from dendrisim.physics.params import ModelParameters  # noqa: E402


def _model(ale=False):
    case = load_case("fig5-routine", ["kinetics.pre_exponential=1e9"])
    bundle = slab_mesh(parallel.world(), 8, length_m=1e-6)
    m = CoupledModel(bundle, ModelParameters.from_case(case), ale=ale)
    m.boundary_conditions()
    m.set_initial()
    x = m.V.tabulate_dof_coordinates()[:, 0]
    m.u.x.array[1::2] = 0.3 + 1e6 * x  # a temperature gradient so every term is active
    return m


def test_parameters_from_case():
    case = load_case("fig5-stable-sei")
    p = ModelParameters.from_case(case)
    assert p.protection_factor == case.sei.protection_factor
    assert p.regions["lithium"].latent_heat_J_kg > 0  # thermal.li_melting default true
    assert p.c_bulk_mol_m3 == case.electrolyte.concentration_mol_m3


def test_li_only_species_dofs_and_interface_area():
    m = _model()
    # the interface (x = L/2) is interior; Li-only dofs are the nodes with x < L/2
    coords = m.V.tabulate_dof_coordinates()
    li_nodes = m.li_species_dofs // 2
    assert np.all(coords[li_nodes, 0] < 0.5e-6 - 1e-12)
    n_li = parallel.global_sum(
        float(np.sum(coords[: m.V.dofmap.index_map.size_local, 0] < 0.5e-6 - 1e-12))
    )
    n_found = parallel.global_sum(float(np.sum(li_nodes < m.V.dofmap.index_map.size_local)))
    assert n_found == n_li
    assert abs(m.integrate(m.interface_integral(1.0)) - 1e-6) < 1e-18  # L x 1 m depth


def test_ale_slot_with_zero_velocity_matches_fixed_mesh():
    a, b = _model(ale=False), _model(ale=True)
    assert b.velocity is not None
    va = fem.assemble_vector(fem.form(a.F)).array
    vb = fem.assemble_vector(fem.form(b.F)).array
    assert np.allclose(va, vb, rtol=1e-12, atol=1e-14 * np.abs(va).max())
    b.velocity.x.array[:] = 1e-9  # a moving mesh changes the residual
    b.build()  # geometry-dependent forms can be rebuilt
    vc = fem.assemble_vector(fem.form(b.F)).array
    assert not np.allclose(va, vc, rtol=1e-9, atol=0)
