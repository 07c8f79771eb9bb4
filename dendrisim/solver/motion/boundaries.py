"""What moves, slides or stays: the boundary groups of the mesh motion and their conditions.

- the receding surfaces (``interface``, ``substrate_top`` when the substrate reacts, and
  ``li_sei`` under a resolved SEI shell) take the prescribed interface displacement;
- the outer electrolyte boundary (``bulk``) and the foil bottom (``substrate``) are fixed;
- the axis, planar lateral walls and a passive substrate top slide (no normal motion), and
  so does the SEI's foot on the foil plane (``li_sei`` facets in z = 0, tagged
  :data:`FOOT_ID` in the motion's own facet tags) unless the substrate reacts;
- the cylindrical side of a 3D unit cell has no condition in the extension solve; its nodes
  are put back on the cylinder after each move (:mod:`.walls`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core import groups as G
from dendrisim.core.errors import MeshError

compat.load_solver_libraries()

import dolfinx  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.solver.motion.walls import cylinder_radius_m  # noqa: E402

# facet tag of the motion (not a mesh group): the part of li_sei that stands on the foil
FOOT_ID = 1000 + G.FACET_IDS[G.LI_SEI]


class MotionBoundaries:
    """The motion's facet tags, the moving, fixed and sliding dofs and the Dirichlet data.

    Args:
        mesh: the mesh (geometry of degree 1).
        facet_tags: its facet tags.
        groups: group name -> (dim, id) (docs/architecture.md#groups).
        V: the vector P1 space of the displacement.
        g: the prescribed interface displacement (a function of ``V``, filled each step).
        substrate_reacts: the foil top recedes too (else it slides in its plane).
        comm: communicator of the mesh.
    """

    def __init__(
        self,
        mesh: dolfinx.mesh.Mesh,
        facet_tags: Any,
        groups: dict[str, tuple[int, int]],
        V: Any,
        g: fem.Function,
        substrate_reacts: bool,
        comm: Any,
    ):
        self.mesh, self.facet_tags, self.groups, self.V = mesh, facet_tags, groups, V
        self.substrate_reacts, self.comm = substrate_reacts, comm
        self.fdim = mesh.topology.dim - 1
        self.shell = self._has_shell()
        self.tags = self._shell_tags() if self.shell else facet_tags
        self.moving_ids = [self.id(G.INTERFACE)]
        if substrate_reacts and G.SUBSTRATE_TOP in groups:
            self.moving_ids.append(self.id(G.SUBSTRATE_TOP))
        self.inner_ids = [self.id(G.LI_SEI)] if self.shell else []
        self.moving_dofs = self._moving_dofs()
        self.bcs = [fem.dirichletbc(g, self.moving_dofs)]
        self.fixed_dofs = self._fixed_dofs()
        # a cylindrical side wall (3D unit cell) has no condition here: see .walls
        self.cylinder_radius_m = cylinder_radius_m(mesh, self.facets(G.SIDE), comm)
        zero = np.zeros(mesh.geometry.dim, dtype=dolfinx.default_scalar_type)
        self.bcs.append(fem.dirichletbc(zero, self.fixed_dofs, V))
        self.slide_dofs = self._sliding_bcs()

    def id(self, name: str) -> int:
        """Id of a group the motion needs (MeshError naming the groups the mesh has)."""
        if name not in self.groups:
            raise MeshError(
                f"mesh motion needs the physical group {name!r}; the mesh has "
                f"{', '.join(sorted(self.groups))}"
            )
        return self.groups[name][1]

    def facets(self, name: str) -> np.ndarray:
        """Local facets of a group (none if the mesh does not have it)."""
        if name not in self.groups:
            return np.empty(0, dtype=np.int32)
        return self.facet_tags.indices[self.facet_tags.values == self.groups[name][1]]

    def tagged(self, ids: list[int]) -> np.ndarray:
        """Local facets carrying any of the motion tags ``ids``."""
        return self.tags.indices[np.isin(self.tags.values, ids)]

    def owned_nodes(self, ids: list[int], S1: Any) -> np.ndarray:
        """Owned P1 nodes (block indices of V) on the facets of the motion tags ``ids``."""
        dofs = fem.locate_dofs_topological(S1, self.fdim, self.tagged(ids))
        return np.sort(dofs[dofs < self.V.dofmap.index_map.size_local])

    def _has_shell(self) -> bool:
        """True when an SEI shell is resolved: ``sei`` cells and ``li_sei`` facets (global)."""
        if G.SEI not in self.groups or G.LI_SEI not in self.groups:
            return False
        return parallel.global_sum(float(self.facets(G.LI_SEI).size), self.comm) > 0

    def _shell_tags(self) -> Any:
        """Facet tags of the motion: the SEI's foot on the foil plane gets ``FOOT_ID``.

        ``li_sei`` facets with every vertex on z = 0 (the vertical coordinate is the last
        one) are where the shell stands on the foil; they slide in that plane, or recede
        with the Li under them when the substrate reacts.
        """
        msh, ft = self.mesh, self.facet_tags
        x = msh.geometry.x
        tol = 1e-9 * parallel.global_max(np.abs(x[:, : msh.geometry.dim]), self.comm)
        values = ft.values.copy()
        lisei = np.flatnonzero(values == self.id(G.LI_SEI))
        if lisei.size:
            nodes = dolfinx.mesh.entities_to_geometry(msh, self.fdim, ft.indices[lisei])
            z = x[nodes][:, :, msh.geometry.dim - 1]
            foot = np.all(np.abs(z) <= tol, axis=1)
            if not self.substrate_reacts:
                values[lisei[foot]] = FOOT_ID
        return dolfinx.mesh.meshtags(msh, self.fdim, ft.indices, values)

    def _moving_dofs(self) -> np.ndarray:
        moving = np.unique(
            np.concatenate(
                [self.tags.indices[self.tags.values == i] for i in self.moving_ids + self.inner_ids]
            )
        )
        return fem.locate_dofs_topological(self.V, self.fdim, moving)

    def _fixed_dofs(self) -> np.ndarray:
        """Dofs of the outer electrolyte boundary and the foil bottom (held at zero)."""
        fixed = np.concatenate([self.facets(G.BULK), self.facets(G.SUBSTRATE)])
        return fem.locate_dofs_topological(self.V, self.fdim, fixed)

    def _sliding(self) -> list[tuple[np.ndarray, int]]:
        """(facets, component held at zero): the axis, planar walls, a passive foil top."""
        gdim = self.mesh.geometry.dim
        sliding: list[tuple[np.ndarray, int]] = []
        side = [] if self.cylinder_radius_m else [G.SIDE]
        names = [G.AXIS, *side] + ([] if self.substrate_reacts else [G.SUBSTRATE_TOP])
        x = self.mesh.geometry.x
        for name in names:
            facets = self.facets(name)
            if name == G.AXIS:
                sliding.append((facets, 0))
                continue
            if name == G.SUBSTRATE_TOP:
                sliding.append((facets, gdim - 1))
                if self.shell:  # the SEI's foot on the foil plane
                    sliding.append((self.tags.indices[self.tags.values == FOOT_ID], gdim - 1))
                continue
            # planar walls: normal along the coordinate that is constant on the facet (every
            # rank appends the same entries, facets or not: collapse() below is collective)
            nodes = dolfinx.mesh.entities_to_geometry(self.mesh, self.fdim, facets)
            nodes = nodes.reshape(facets.size, self.fdim + 1)
            spread = np.ptp(x[nodes][:, :, :gdim], axis=1)
            for comp in range(gdim):
                sliding.append((facets[np.argmin(spread, axis=1) == comp], comp))
        return sliding

    def _sliding_bcs(self) -> list[np.ndarray]:
        """Append the sliding conditions to :attr:`bcs`; the dofs (of V) each one holds."""
        slide_dofs = []
        for facets, comp in self._sliding():
            Vc, _ = self.V.sub(comp).collapse()
            zc = fem.Function(Vc)
            dofs = fem.locate_dofs_topological((self.V.sub(comp), Vc), self.fdim, facets)
            self.bcs.append(fem.dirichletbc(zc, dofs, self.V.sub(comp)))
            slide_dofs.append(dofs[0])
        return slide_dofs
