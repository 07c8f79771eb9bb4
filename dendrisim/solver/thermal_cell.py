"""The lumped cell a run is, at its start (manifest ``thermal_cell``; io/criticality.py)."""

from __future__ import annotations


def thermal_cell(sim) -> dict[str, float | None]:
    """The lumped cell this run is (manifest; io/criticality.py), at its start.

    ``heat_capacity_J_K`` as the run uses it (with phi and the [cell] share),
    ``reacting_area_m2``, ``heat_loss_W_K`` = h x the outer (`bulk`) area for a Robin
    outer boundary, 0 for an adiabatic one, None otherwise (fixed temperature).
    """
    m, p, inv = sim.model, sim.params, sim.observables.inventory
    loss: float | None = None
    if p.thermal_outer == "adiabatic":
        loss = 0.0
    elif p.thermal_outer == "robin":
        outer_m2 = m.integrate(m.interface_integral(1.0, [m.bundle.id("bulk")]))
        loss = p.heat_transfer_W_m2K * outer_m2
    return {
        "heat_capacity_J_K": inv.heat_capacity_J_K,
        "reacting_area_m2": inv.area_m2,
        "heat_loss_W_K": loss,
    }
