"""Manufactured solutions: observed L2 orders of the coupled nonlinear system (P1)."""

import math

import pytest

from tests.verification import mms


def _orders(errs):
    return [math.log2(a / b) for a, b in zip(errs[:-1], errs[1:], strict=True)]


@pytest.mark.parametrize("formulation", ["planar", "axisymmetric"])
def test_mms_space_order_2d(formulation):
    """Species, heat and interface reaction together: order 2 within 0.2 over 3 refinements."""
    res = [mms.solve_steady(n, formulation) for n in (8, 16, 32, 64)]
    oc = _orders([r[0] for r in res])
    oT = _orders([r[1] for r in res])
    assert all(abs(o - 2.0) < 0.2 for o in oc), oc
    assert all(abs(o - 2.0) < 0.2 for o in oT), oT
    assert res[-1][0] < 2e-4 and res[-1][1] < 1e-4
    assert all(r[2] >= 2 for r in res)  # a nonlinear solve, not an iteration-0 "convergence"


def test_mms_space_order_3d():
    """3D box, P1: order 2 within 0.2 over 3 refinements."""
    res = [mms.solve_steady(n, "3d", dim=3) for n in (4, 8, 16, 32)]
    oc = _orders([r[0] for r in res])
    oT = _orders([r[1] for r in res])
    assert all(abs(o - 2.0) < 0.2 for o in oc + oT), (oc, oT)


def test_mms_time_order_backward_euler():
    """Spatially linear exact fields: the error is temporal only and first order in Δt."""
    errs = [mms.solve_transient(4, dt, 0.5) for dt in (0.1, 0.05, 0.025, 0.0125)]
    oc = _orders([e[0] for e in errs])
    oT = _orders([e[1] for e in errs])
    assert all(abs(o - 1.0) < 0.2 for o in oc + oT), (oc, oT)
