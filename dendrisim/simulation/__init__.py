"""Time integration of the coupled model (DESIGN §3): Newton, Δt control, stop rules."""

from dendrisim.simulation.controller import StepController
from dendrisim.simulation.run import RunSummary, Simulation

__all__ = ["RunSummary", "Simulation", "StepController"]
