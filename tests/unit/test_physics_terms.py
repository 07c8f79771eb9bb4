"""Physics terms as registered objects: registries, config choices, composition in the model."""

import typing

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.core.compat import import_dolfinx
from dendrisim.core.errors import CaseError
from dendrisim.physics import registry
from dendrisim.physics.registry import BOUNDARY_CONDITIONS, BOUNDARY_SITES, Registry

import_dolfinx()
from dolfinx import fem  # noqa: E402

from dendrisim.meshing.builtin_meshes import slab_mesh  # noqa: E402
from dendrisim.physics.conditions import AmbientTemperature, HeatTransfer, ZeroFlux  # noqa: E402
from dendrisim.physics.forms import CoupledModel  # noqa: E402
from dendrisim.physics.params import ModelParameters  # noqa: E402
from dendrisim.physics.terms import ResidualTerm  # noqa: E402


def test_registry_names_check_and_errors():
    reg = Registry("x.law")

    @reg.register("a")
    class A:
        pass

    reg.register("b")(int)
    assert reg.names() == ["a", "b"] and "a" in reg and reg.create("a").__class__ is A
    assert reg.check("b") == "b"
    with pytest.raises(ValueError, match="x.law = 'c': allowed: 'a' or 'b'"):
        reg.check("c")
    with pytest.raises(CaseError, match="x.law = 'c': allowed: 'a' or 'b'"):
        reg.get("c")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a")(float)
    reg.unregister("b")
    assert reg.names() == ["a"]


@pytest.mark.parametrize(
    "key", [s.key for s in BOUNDARY_SITES] + ["kinetics.law", "sei.passivation"]
)
def test_config_accepts_exactly_the_registered_names(key):
    reg = (
        BOUNDARY_CONDITIONS.get(key)
        or {
            "kinetics.law": registry.KINETICS_LAWS,
            "sei.passivation": registry.PASSIVATION_LAWS,
        }[key]
    )
    for name in reg.names():
        extra = ["thermal.program='ramp'"] if name == "programme" else []  # needs a programme
        case = load_case(
            "fig5-routine", [f"{key}={name!r}", "thermal.heat_transfer_W_m2K=1", *extra]
        )
        section, field = key.split(".")
        assert getattr(getattr(case, section), field) == name
    allowed = registry.allowed_text(reg.names())
    with pytest.raises(CaseError, match=f"{key} = 'not_a_name': allowed: {allowed}"):
        load_case("fig5-routine", [f"{key}='not_a_name'"])


def test_linear_solver_registry_matches_config():
    from dendrisim.config.control import SolverConfig
    from dendrisim.solver.newton import LINEAR_SOLVERS, linear_solver_options

    allowed = typing.get_args(SolverConfig.model_fields["linear"].annotation)
    assert sorted(allowed) == sorted(LINEAR_SOLVERS.names())
    assert linear_solver_options("auto", 2) == linear_solver_options("direct", 2)
    assert linear_solver_options("auto", 3) == linear_solver_options("iterative", 3)


def _model(overrides):
    case = load_case("fig5-routine", ["kinetics.pre_exponential=1e9", *overrides])
    bundle = slab_mesh(parallel.world(), 8, length_m=1e-6)
    m = CoupledModel(bundle, ModelParameters.from_case(case))
    m.boundary_conditions()
    m.set_initial()
    m.u.x.array[1::2] = 0.3 + 1e6 * m.V.tabulate_dof_coordinates()[:, 0]
    return m


def test_conditions_composed_per_site():
    m = _model(
        [
            "thermal.outer='robin'",
            "thermal.heat_transfer_W_m2K=100",
            "thermal.ambient_K=400",
            "thermal.substrate_bottom='isothermal'",
        ]
    )
    kinds = [(c.site.key, type(c)) for c in m.conditions]
    assert kinds == [
        ("species.outer", ZeroFlux),
        ("thermal.outer", HeatTransfer),
        ("thermal.substrate_bottom", AmbientTemperature),
    ]
    assert m.flux_dofs["species"].size == 0 and m.flux_dofs["heat"].size > 0
    out = m.boundary_outflows()
    assert list(out) == ["thermal.outer"]
    # bulk at x = L: T = T0 + 0.3 + 1 K; width 1e-6 m, depth 1 m
    expected = 100 * (m.T0 + 1.3 - 400) * 1e-6
    assert m.integrate(out["thermal.outer"]) == pytest.approx(expected, rel=1e-10)
    # thermal disabled: no heat conditions at all
    assert [c.site.field for c in _model(["thermal.enabled=false"]).conditions] == ["species"]


class _Source(ResidualTerm):
    """A uniform volumetric heat source q [W/m3] in the electrolyte."""

    def heat(self, model, v):
        return -(model.dt * 1e9 * v * model.weight * model.region_dx("electrolyte"))


def test_a_new_term_adds_its_residual():
    m = _model([])
    f0 = fem.assemble_vector(fem.form(m.F)).array.copy()
    m.terms.append(_Source())
    m.build_residual()
    f1 = fem.assemble_vector(fem.form(m.F)).array
    src = m.scales["heat"] * _Source().heat(m, m.v_T)
    assert np.allclose(f1 - f0, fem.assemble_vector(fem.form(src)).array, atol=1e-14)
    assert not np.allclose(f1, f0)


def test_composed_rate_is_the_kinetics_function():
    from dendrisim.physics import kinetics
    from dendrisim.physics.laws import InterfaceRate

    p = ModelParameters.from_case(load_case("fig5-stable-sei"))
    T, c = np.array([300.0, 456.85, 700.0]), np.array([7000.0, 10.0, 0.0])
    ref = kinetics.reaction_rate(
        T,
        c,
        p.pre_exponential,
        p.activation_energy_J_mol,
        p.reaction_order,
        p.protection_factor,
        p.breakdown_K,
        p.breakdown_width_K,
    )
    assert np.array_equal(InterfaceRate(p)(T, c), ref)
