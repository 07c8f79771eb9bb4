"""Physical-group names and their fixed integer ids: the mesh contract.

See docs/architecture.md#groups.

Plain data, no gmsh: the mesh loader and the solver refer to groups by these names.
"""

from __future__ import annotations

# cells (2D surfaces or 3D volumes)
LITHIUM = "lithium"
ELECTROLYTE = "electrolyte"
SEI = "sei"
# facets
INTERFACE = "interface"  # Li (or SEI) facing electrolyte: the dendrite surface
LI_SEI = "li_sei"  # Li facing SEI, when the SEI is resolved
BULK = "bulk"  # far-field / top electrolyte boundary
SUBSTRATE = "substrate"  # foil bottom (or current collector)
AXIS = "axis"  # r = 0 (axisymmetric)
SIDE = "side"  # lateral symmetry walls
SUBSTRATE_TOP = "substrate_top"  # the foil's flat top facing electrolyte (or SEI)

CELL_IDS: dict[str, int] = {LITHIUM: 1, ELECTROLYTE: 2, SEI: 3}
FACET_IDS: dict[str, int] = {
    INTERFACE: 11,
    LI_SEI: 12,
    BULK: 13,
    SUBSTRATE: 14,
    AXIS: 15,
    SIDE: 16,
    SUBSTRATE_TOP: 17,
}
GROUP_IDS: dict[str, int] = {**CELL_IDS, **FACET_IDS}

# a user's .msh needs at least these (cell, cell, facet)
REQUIRED_CELL_GROUPS = (LITHIUM, ELECTROLYTE)
REQUIRED_FACET_GROUPS = (INTERFACE,)
