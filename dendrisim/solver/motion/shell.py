"""The SEI shell carry map: the Li under a resolved shell recedes by the rate outside it.

The reaction happens at the shell's outer surface (``interface``), the Li it consumes is
taken from the Li under the shell (``li_sei``).  Each owned Li/SEI node takes the nodal
rate of the nearest node of the outer surface (the *carry map*, found once on the initial
mesh over all ranks); a global factor ``s`` (about outer/inner area) makes the volume swept
at ``li_sei`` equal ``V_m dt * integral_interface(r dA)`` exactly (docs/physics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core import groups as G
from dendrisim.core.errors import MeshError

compat.load_solver_libraries()

import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.solver.motion.assembly import (  # noqa: E402
    facet_weight,
    li_outward_normal,
    nodal,
)
from dendrisim.solver.motion.boundaries import MotionBoundaries  # noqa: E402

CARRY_CHUNK = 2_000_000  # pairs of (inner node, outer node) distances per numpy block


@dataclass
class ShellStep:
    """The shell part of one step's interface displacement (owned nodes).

    ``scale`` the factor s, ``u`` the unit-s displacement of the Li/SEI nodes [m],
    ``interface_rate`` the nodal interface rates R_i [mol/s] (covered facets), and
    ``inner_normal`` / ``inner_area`` the area-weighted Li normal B_j and area m_j of the
    Li/SEI nodes.
    """

    scale: float
    u: np.ndarray
    interface_rate: np.ndarray
    inner_normal: np.ndarray
    inner_area: np.ndarray


class ShellCarry:
    """Carry map and swept-volume scaling of a resolved SEI shell.

    Args:
        bounds: the motion's boundaries (tags, moving and inner ids, held dofs).
        S1: scalar P1 space (same node order as the displacement space).
        dS: interior-facet measure on the motion's tags.
        weight: the measure weight (2*pi*r in axisymmetric).
        formulation: ``axisymmetric``, ``planar`` or ``3d``.
        indicators: DG0 indicators ``lithium`` and ``sei``.
        molar_volume_m3_mol: molar volume of Li [m^3/mol].
    """

    def __init__(
        self,
        bounds: MotionBoundaries,
        S1: Any,
        dS: Any,
        weight: Any,
        formulation: str,
        indicators: dict[str, fem.Function],
        molar_volume_m3_mol: float,
    ):
        self.bounds, self.S1, self.dS = bounds, S1, dS
        self.wf = facet_weight(weight, formulation)
        self.li_indicator, self.sei_indicator = indicators[G.LITHIUM], indicators[G.SEI]
        self.molar_volume_m3_mol = molar_volume_m3_mol
        self.comm = bounds.comm
        self._forms: dict[str, Any] = {}
        self._map_nodes()
        self._keep = self._free_components()

    def covered(self) -> Any:
        """1 on interface facets with SEI on one side (covered by the shell), else 0.

        After a remesh that removed thin Li and its shell, bare Li may face the
        electrolyte: it recedes by its own rate and is not a source of the shell motion.
        """
        return self.sei_indicator("+") + self.sei_indicator("-")

    def _map_nodes(self) -> None:
        """Map each owned Li/SEI node to the nearest node of the outer surface (all ranks).

        The outer ``interface`` nodes of all ranks are gathered and sorted by coordinates,
        so that ties are broken the same way on any number of ranks.
        """
        b, V = self.bounds, self.bounds.V
        outer = b.owned_nodes(b.moving_ids, self.S1)
        self.inner_nodes = np.setdiff1d(b.owned_nodes(b.inner_ids, self.S1), outer)
        source = b.owned_nodes([b.id(G.INTERFACE)], self.S1)
        s = ufl.TestFunction(self.S1)
        form = fem.form(self.covered() * ufl.avg(s) * self.wf * self.dS(b.id(G.INTERFACE)))
        covered = nodal(form, V.dofmap.index_map.size_local)
        self.source_nodes = source[covered[source] > 0]
        gdim = b.mesh.geometry.dim
        coords = V.tabulate_dof_coordinates()[:, :gdim]
        src = np.concatenate(parallel.gather_all(coords[self.source_nodes], self.comm))
        if src.shape[0] == 0:
            raise MeshError("an SEI shell needs interface facets (the shell's outer surface)")
        order = np.lexsort(src.T[::-1])
        src = src[order]
        x = coords[self.inner_nodes]
        carry = np.empty(x.shape[0], dtype=np.int64)
        chunk = max(1, CARRY_CHUNK // src.shape[0])
        for k in range(0, x.shape[0], chunk):
            d2 = ((x[k : k + chunk, None, :] - src[None, :, :]) ** 2).sum(axis=2)
            carry[k : k + chunk] = order[np.argmin(d2, axis=1)]
        self.carry = carry

    def _free_components(self) -> np.ndarray:
        """1 where a Li/SEI node's component is free, 0 where a condition holds it at 0.

        The swept volume that fixes the scale factor is computed without the held
        components (sliding, fixed).
        """
        b = self.bounds
        bs = b.V.dofmap.index_map_bs
        keep = np.ones(_array_size(b.V))
        for dofs in b.slide_dofs:
            keep[dofs] = 0.0
        keep.reshape(-1, bs)[b.fixed_dofs] = 0.0
        return keep.reshape(-1, bs)[self.inner_nodes]

    def set_rate(self, rate: Any, v: Any) -> None:
        """Compile the shell forms for the rate ``rate`` (``v``: test function of V)."""
        b = self.bounds
        s = ufl.TestFunction(self.S1)
        n_li = li_outward_normal(b.mesh, self.li_indicator)
        dS_in, dS_if = self.dS(b.inner_ids[0]), self.dS(b.id(G.INTERFACE))
        cov, wf = self.covered(), self.wf
        self._forms = {
            "normal": fem.form(ufl.inner(n_li, ufl.avg(v)) * wf * dS_in),
            "area": fem.form(ufl.avg(s) * wf * dS_in),
            "rate": fem.form(cov * rate * ufl.avg(s) * wf * dS_if),
            "if_area": fem.form(cov * ufl.avg(s) * wf * dS_if),
        }

    def step(self, dt_s: float, n_owned: int) -> ShellStep:
        """Scale factor s and unit-s displacement of the owned Li/SEI nodes for ``dt_s`` [s].

        Node j moves by ``-V_m dt r~_j m_j B_j / |B_j|^2`` (``B_j`` its area-weighted Li
        normal, ``m_j`` its area, ``r~_j`` the nodal rate of the nearest interface node); the
        global ``s`` makes the swept volume ``-sum_j s u_j . B_j`` (components held by the
        boundary conditions left out) equal ``V_m dt * integral_interface(r dA)``.
        """
        f = self._forms
        B = nodal(f["normal"], n_owned, self.bounds.V.dofmap.index_map_bs)
        m = nodal(f["area"], n_owned)
        rate = nodal(f["rate"], n_owned)
        area = nodal(f["if_area"], n_owned)
        src = self.source_nodes
        rho = rate[src] / np.where(area[src] > 0, area[src], 1.0)
        rho_all = np.concatenate(parallel.gather_all(rho, self.comm))
        nodes = self.inner_nodes
        Bj, mj = B[nodes], m[nodes]
        b2 = np.maximum((Bj**2).sum(axis=1), (mj / 3.0) ** 2)
        vm_dt = self.molar_volume_m3_mol * dt_s
        u = (-vm_dt * rho_all[self.carry] * mj / np.where(b2 > 0, b2, 1.0))[:, None] * Bj
        u *= self._keep
        swept = -parallel.global_sum((u * Bj).sum(), self.comm)
        target = vm_dt * parallel.global_sum(rate.sum(), self.comm)
        scale = target / swept if swept > 0 else 0.0
        return ShellStep(scale, u, rate, Bj, mj)


def _array_size(V: Any) -> int:
    """Length of the local (owned and ghost) value array of a function of ``V``."""
    imap = V.dofmap.index_map
    return (imap.size_local + imap.num_ghosts) * V.dofmap.index_map_bs
