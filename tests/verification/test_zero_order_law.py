"""Extension point: a new kinetics law is one class and one registration (this file).

The toy law r = A exp(-Ea/(R T)), independent of c, is registered here only; config
accepts ``kinetics.law = "zero_order"`` and the whole time loop uses it.  Closed form at
constant T on a fixed geometry: consumed Li = r A_Γ t.
"""

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.physics import kinetics
from dendrisim.physics.laws import KineticsLaw
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK
from dendrisim.physics.params import ModelParameters
from dendrisim.physics.registry import KINETICS_LAWS


@KINETICS_LAWS.register("zero_order")
class ZeroOrder(KineticsLaw):
    """r = A exp(-Ea/(R T)) [mol Li m^-2 s^-1], independent of c."""

    def rate(self, T, c, p):
        Ea, R = p.activation_energy_J_mol, GAS_CONSTANT_J_MOLK
        return p.pre_exponential * kinetics.math_ops(T).exp(-Ea / (R * T))


T0, EA, RATE = 439.05, 135e3, 2.0e-3  # K, J/mol, mol m^-2 s^-1 at T0
A_PRE = RATE / math.exp(-EA / (GAS_CONSTANT_J_MOLK * T0))
L, W, T_END = 1e-6, 0.5e-6, 0.2  # slab length, width [m]; end time [s]


def _case():
    return load_case("fig5-routine").with_overrides(
        {
            "kinetics.law": "zero_order",
            "kinetics.pre_exponential": A_PRE,
            "kinetics.activation_energy_J_mol": EA,
            "interface.moving": False,
            "thermal.enabled": False,
            "thermal.initial_K": T0,
            "time.end_s": T_END,
            "time.dt_initial_s": 0.01,
            "time.dt_max_s": 0.05,
            "output.fields": [],
        }
    )


def test_law_is_registered_and_independent_of_c():
    case = _case()
    assert case.kinetics.law == "zero_order"
    p = ModelParameters.from_case(case)
    r = ZeroOrder().rate(np.full(3, T0), np.array([0.0, 7000.0, -5.0]), p)
    assert np.allclose(r, RATE, rtol=1e-12)


def test_unknown_law_names_the_registered_ones():
    from dendrisim.core.errors import CaseError

    with pytest.raises(CaseError, match="kinetics.law = 'nope': allowed: .*'zero_order'"):
        load_case("fig5-routine", ['kinetics.law="nope"'])


def test_zero_order_consumption_closed_form():
    from dendrisim.solver.simulation import Simulation

    bundle = slab_mesh(parallel.world(), 8, length_m=L, width_m=W, ny=2)
    summary = Simulation(_case(), bundle, quiet=True).run()
    assert summary.stop_reason == "end_time"
    last = summary.last
    area = W * 1.0  # planar: 1 m depth
    assert last["reaction_rate_mol_s"] == pytest.approx(RATE * area, rel=1e-9)
    assert last["li_consumed_mol"] == pytest.approx(RATE * area * last["time_s"], rel=1e-9)
    assert last["c_interface_min_mol_m3"] < 0.95 * 7000.0  # c fell, r did not
