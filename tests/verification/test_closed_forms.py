"""Closed-form solutions reproduced by the full time loop (each within 1 %).

- 1D semi-infinite diffusion with first-order surface consumption (Carslaw & Jaeger,
  Conduction of Heat in Solids, 2nd ed., §2.7 "radiation" boundary condition);
- steady sphere with a first-order surface reaction (species, axisymmetric mesh);
- steady heat from a surface source on a sphere (conduction through a spherical shell);
- lumped heating of a small Li sphere in an electrolyte ball cooled by a Robin boundary.
The sphere runs use a user-style .msh (isolated particle, docs/architecture.md#groups names).
"""

import math

import numpy as np
import pytest

from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.meshing.load import load_msh
from dendrisim.physics.params import ModelParameters
from tests.verification.sphere_mesh import write_sphere_msh

A_UM, B_UM = 0.5, 5.0
A, B = A_UM * 1e-6, B_UM * 1e-6


def _run(case, bundle, params=None, folder=None):
    sim = simulation(case, bundle, folder=folder, quiet=True, params=params)
    summary = sim.run()
    return sim, summary


def _series(folder):
    from dendrisim.io.timeseries import read_timeseries

    return read_timeseries(f"{folder}/timeseries.csv")


def _erfc_scaled(x):
    """exp(x^2) erfc(x), stable for large x."""
    if x < 5:
        return math.exp(x * x) * math.erfc(x)
    return 1.0 / (x * math.sqrt(math.pi)) * (1 - 0.5 / x**2 + 0.75 / x**4)


def test_semi_infinite_first_order_surface_consumption(mpi_tmp_path):
    D, c0, nu, t_end = 1.2e-9, 7000.0, 0.5, 1.0
    h = 1.0 / math.sqrt(D * t_end)  # h sqrt(D t) = 1 at t_end
    k = h * D / nu  # m/s
    L = 12 * math.sqrt(D * t_end)
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "thermal.enabled": False,
            "kinetics.activation_energy_J_mol": 0.0,
            "kinetics.pre_exponential": k,
            "kinetics.reaction_order": 1,
            "electrolyte.diffusivity_m2_s": D,
            "electrolyte.concentration_mol_m3": c0,
            "electrolyte.stoichiometry": nu,
            "species.outer": "zero_flux",
            "time.end_s": t_end,
            "time.dt_initial_s": 1e-5,
            "time.dt_min_s": 1e-9,
            "time.dt_max_s": 2e-3,
            "output.fields": [],
        }
    )
    bundle = slab_mesh(parallel.world(), 600, length_m=L, li_fraction=0.0, width_m=L / 600, ny=1)
    _, summary = _run(case, bundle, folder=mpi_tmp_path)
    assert summary.stop_reason == "end_time"
    ts = _series(mpi_tmp_path)
    width = L / 600
    for t_check in (0.1, 0.4, 1.0):
        i = int(np.argmin(np.abs(ts["time_s"] - t_check)))
        t = ts["time_s"][i]
        x = h * math.sqrt(D * t)
        cs = c0 * _erfc_scaled(x)
        m_species = c0 / h * (_erfc_scaled(x) - 1 + 2 * x / math.sqrt(math.pi))  # mol/m2
        print(
            "CJ",
            t,
            ts["c_interface_min_mol_m3"][i],
            cs,
            ts["li_consumed_mol"][i] / width,
            m_species / nu,
        )
        assert ts["c_interface_min_mol_m3"][i] == pytest.approx(cs, rel=0.01)
        consumed_li = ts["li_consumed_mol"][i] / width  # per interface area (1 m depth)
        assert consumed_li == pytest.approx(m_species / nu, rel=0.01)


@pytest.fixture(scope="module")
def sphere_bundle():
    folder = parallel.on_root(lambda: __import__("tempfile").mkdtemp(prefix="dendrisim-sph-"))
    path = write_sphere_msh(f"{folder}/sphere.msh", A_UM, B_UM, 0.02, 0.5)
    return load_msh(path, unit="um", formulation="axisymmetric")


def test_steady_sphere_first_order_reaction(sphere_bundle):
    D, cb, nu = 1.2e-9, 7000.0, 0.5
    k = D / (nu * A)  # Damköhler number nu k a / D = 1
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "thermal.enabled": False,
            "kinetics.activation_energy_J_mol": 0.0,
            "kinetics.pre_exponential": k,
            "kinetics.reaction_order": 1,
            "electrolyte.diffusivity_m2_s": D,
            "species.outer": "dirichlet",
            "time.end_s": 0.3,
            "time.dt_initial_s": 1e-4,
            "output.fields": [],
        }
    )
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    _, summary = _run(case, sphere_bundle, params=params)
    assert summary.stop_reason == "end_time"
    beta = -nu * k * cb / (D / A**2 + nu * k * (1 / A - 1 / B))
    c_a = cb + beta * (1 / A - 1 / B)
    rate = 4 * math.pi * A**2 * k * c_a
    print("sphere reaction: rate", summary.last["reaction_rate_mol_s"], "exact", rate)
    assert summary.last["reaction_rate_mol_s"] == pytest.approx(rate, rel=0.01)
    assert summary.last["c_interface_min_mol_m3"] == pytest.approx(c_a, rel=0.01)


def test_steady_heat_surface_source_sphere(sphere_bundle):
    k_e, dT_target = 0.2, 1.0
    q_w = 4 * math.pi * k_e * dT_target / (1 / A - 1 / B)
    rate = q_w / (240e3 * 4 * math.pi * A**2)  # mol m-2 s-1, order 0, Ea = 0: constant
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "kinetics.activation_energy_J_mol": 0.0,
            "kinetics.pre_exponential": rate,
            "kinetics.reaction_order": 0,
            "kinetics.enthalpy_J_mol_Li": -240e3,
            "electrolyte.conductivity_W_mK": k_e,
            "thermal.outer": "dirichlet",
            "thermal.li_melting": False,
            "species.outer": "dirichlet",
            "time.end_s": 0.01,
            "time.dt_initial_s": 1e-6,
            "output.fields": [],
        }
    )
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    _, summary = _run(case, sphere_bundle, params=params)
    assert summary.stop_reason == "end_time"
    rise = summary.last["T_interface_mean_K"] - case.thermal.ambient_K
    exact = q_w / (4 * math.pi * k_e) * (1 / A - 1 / B)
    print("sphere heat: rise", rise, "exact", exact)
    assert rise == pytest.approx(exact, rel=0.01)


def test_lumped_heating_small_li_sphere(sphere_bundle, mpi_tmp_path):
    tau = 1.0  # s
    rho_c_e, rho_c_li = 1250 * 1800.0, 534 * 3570.0
    cap = rho_c_e * 4 / 3 * math.pi * (B**3 - A**3) + rho_c_li * 4 / 3 * math.pi * A**3
    area_out = 4 * math.pi * B**2
    h = cap / (area_out * tau)
    q_w = 1e-8
    rate = q_w / (240e3 * 4 * math.pi * A**2)
    case = load_case("fig5-routine").with_overrides(
        {
            "interface.moving": False,
            "kinetics.activation_energy_J_mol": 0.0,
            "kinetics.pre_exponential": rate,
            "kinetics.reaction_order": 0,
            "thermal.outer": "robin",
            "thermal.heat_transfer_W_m2K": h,
            "thermal.li_melting": False,
            "species.outer": "dirichlet",
            "time.end_s": 2.0,
            "time.dt_initial_s": 1e-4,
            "time.dt_max_s": 4e-3,
            "output.fields": [],
        }
    )
    params = ModelParameters.from_case(case).with_(li_molar_density_mol_m3=1e15)
    _run(case, sphere_bundle, params=params, folder=mpi_tmp_path)
    ts = _series(mpi_tmp_path)
    steady = q_w / (h * area_out)
    for t_check in (0.5, 1.0, 2.0):
        i = int(np.argmin(np.abs(ts["time_s"] - t_check)))
        exact = steady * (1 - math.exp(-ts["time_s"][i] / tau))
        print("lumped", ts["time_s"][i], ts["T_interface_mean_K"][i] - 439.05, exact)
        assert ts["T_interface_mean_K"][i] - case.thermal.ambient_K == pytest.approx(
            exact, rel=0.01
        )
