"""UFL model of the coupled reaction–diffusion–heat problem (DESIGN §3)."""

from dendrisim.model.forms import CoupledModel
from dendrisim.model.params import ModelParameters, Region

__all__ = ["CoupledModel", "ModelParameters", "Region"]
