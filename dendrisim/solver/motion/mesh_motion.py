"""MeshMotion: the moving Li surface (ALE) as one object, composed of its parts.

The parts and the physics are described in :mod:`dendrisim.solver.motion`; this class only
wires them together and keeps the API the time loop uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dendrisim.core import compat
from dendrisim.core import groups as G
from dendrisim.core.errors import MeshError

compat.load_solver_libraries()

import dolfinx  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.solver.motion.assembly import radial_weight, region_indicator  # noqa: E402
from dendrisim.solver.motion.boundaries import MotionBoundaries  # noqa: E402
from dendrisim.solver.motion.extension import (  # noqa: E402
    ExtensionSolver,
    displace_geometry,
    geometry_to_dof,
    size_stiffness,
)
from dendrisim.solver.motion.kinematics import InterfaceKinematics  # noqa: E402
from dendrisim.solver.motion.quality import (  # noqa: E402
    QualityMonitor,
    RegionVolumes,
    SurfaceSizes,
)
from dendrisim.solver.motion.shell import ShellCarry  # noqa: E402
from dendrisim.solver.motion.walls import CylinderWall  # noqa: E402


@dataclass
class MeshMotion:
    """Interface-driven mesh motion for one mesh (create once, call :meth:`step` per step).

    A composition of :class:`~.boundaries.MotionBoundaries` (what moves, slides, stays),
    :class:`~.kinematics.InterfaceKinematics` (the prescribed interface displacement, with
    :class:`~.shell.ShellCarry` under a resolved SEI shell), :class:`~.extension.ExtensionSolver`
    (the displacement inside) and the quality/volume utilities of :mod:`.quality`.

    ``groups`` maps group names (docs/architecture.md#groups) to (dim, id).  The
    interface groups that recede are
    ``interface`` (and ``substrate_top`` when ``substrate_reacts``), plus ``li_sei`` when an
    SEI shell is resolved (module docstring).
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: Any
    facet_tags: Any
    groups: dict[str, tuple[int, int]]
    formulation: str
    molar_volume_m3_mol: float
    substrate_reacts: bool = False
    comm: Any = None
    # relax only the bunching the motion makes, not the mesh's own surface layout (a mesh
    # rebuilt by the 3D remesher, graded by the local Li thickness: relaxing that layout
    # degraded its cells without any recession, issue #16)
    keep_layout: bool = False

    def __post_init__(self) -> None:
        msh = self.mesh
        if msh.geometry.cmaps[0].degree != 1:
            raise MeshError(
                "a moving Li surface needs a mesh of geometric order 1 "
                f"(got {msh.geometry.cmaps[0].degree}); set geometry.mesh_order = 1"
            )
        self.comm = self.comm or msh.comm
        gdim, tdim = msh.geometry.dim, msh.topology.dim
        msh.topology.create_connectivity(tdim - 1, tdim)
        self.V = fem.functionspace(msh, ("Lagrange", 1, (gdim,)))
        self.du = fem.Function(self.V, name="displacement_increment")
        self.displacement = fem.Function(self.V, name="displacement")
        self.velocity = fem.Function(self.V, name="mesh_velocity")
        g = fem.Function(self.V)  # prescribed interface displacement (this step)
        S1 = fem.functionspace(msh, ("Lagrange", 1))  # nodal scalars (same node order)
        Q0 = fem.functionspace(msh, ("DG", 0))
        self.bounds = MotionBoundaries(
            msh, self.facet_tags, self.groups, self.V, g, self.substrate_reacts, self.comm
        )
        self.quality = QualityMonitor(msh, self.comm)
        self.extension = ExtensionSolver(
            self.V, size_stiffness(msh, Q0, self.comm), self.bounds.bcs
        )
        w = radial_weight(msh, self.formulation)
        self.volumes = RegionVolumes(msh, self.cell_tags, w, self.comm)
        b = self.bounds
        self.surface = SurfaceSizes(msh, b.tagged(b.moving_ids + b.inner_ids), self.comm)
        self._gmap = geometry_to_dof(msh, self.V)
        self.wall = None  # the cylindrical side of a 3D unit cell (kept on its radius)
        if b.cylinder_radius_m:
            side = b.facets(G.SIDE)
            self.wall = CylinderWall(
                self.V,
                side,
                self.cell_tags,
                b.cylinder_radius_m,
                b.fixed_dofs,
                b.moving_dofs,
                self.comm,
            )
        self.kinematics = self._kinematics(g, S1, Q0, w)

    def _kinematics(self, g: fem.Function, S1: Any, Q0: Any, w: Any) -> InterfaceKinematics:
        """The interface kinematics (with the SEI shell carry map when a shell is resolved)."""
        b, ct = self.bounds, self.cell_tags
        li = region_indicator(Q0, ct, [b.id(G.LITHIUM)], "li_indicator")
        dS = ufl.Measure("dS", domain=self.mesh, subdomain_data=b.tags)
        shell, solid = None, li
        if b.shell:  # the solid (Li and SEI) indicator gives the normal at the interface
            solid = region_indicator(Q0, ct, [b.id(G.LITHIUM), b.id(G.SEI)], "solid_indicator")
            sei = region_indicator(Q0, ct, [b.id(G.SEI)], "sei_indicator")
            indicators = {G.LITHIUM: li, G.SEI: sei}
            shell = ShellCarry(b, S1, dS, w, self.formulation, indicators, self.molar_volume_m3_mol)
        return InterfaceKinematics(
            b,
            g,
            S1,
            dS,
            w,
            self.formulation,
            solid,
            self.molar_volume_m3_mol,
            shell,
            keep_layout=self.keep_layout,
        )

    # --- driving the motion ---------------------------------------------------------------
    def set_rate(self, rate: Any) -> None:
        """Set the interface reaction rate r [mol m^-2 s^-1] that drives the recession.

        ``rate`` is a float or a UFL expression valid on interior facets (restricted, or
        continuous and wrapped in ``avg``).
        """
        self.kinematics.set_rate(rate)

    def interface_displacement(self, dt_s: float) -> None:
        """Fill the prescribed interface displacement for a step of ``dt_s`` [s]."""
        self.kinematics.fill(dt_s)

    def step(self, dt_s: float, prescribed: bool = False) -> float:
        """Move the mesh for one step of ``dt_s`` [s]; returns the global minimum quality.

        ``prescribed``: the interface displacement for ``dt_s`` is already filled (by
        :meth:`prescribed_fraction` with the same ``dt_s``).
        """
        if not prescribed:
            self.kinematics.fill(dt_s)
        self.extension.solve(self.du)
        if self.wall is not None:
            self.wall.correct(self.du)
        self._displace(self.du.x.array)
        self.displacement.x.array[:] += self.du.x.array
        self.velocity.x.array[:] = self.du.x.array / dt_s
        return self.min_quality()

    def undo_last(self) -> None:
        """Move the mesh back by the last increment (a rejected step)."""
        self._displace(-self.du.x.array)
        self.displacement.x.array[:] -= self.du.x.array

    def _displace(self, values: np.ndarray) -> None:
        displace_geometry(self.mesh, values.reshape(-1, self.V.dofmap.index_map_bs), self._gmap)

    def destroy(self) -> None:
        """Destroy the PETSc objects (collective; call on every rank together)."""
        self.extension.destroy()

    # --- measures -------------------------------------------------------------------------
    def prescribed_fraction(self, dt_s: float) -> float:
        """Largest surface-node displacement of a step of ``dt_s`` [s] / local size.

        Computed before moving (global); fills the prescribed displacement.
        """
        self.kinematics.fill(dt_s)
        g = self.kinematics.g.x.array.reshape(-1, self.V.dofmap.index_map_bs)
        return self.surface.max_fraction(g[self._gmap[self.surface.flat]])

    def moved_fraction(self, x_before: np.ndarray) -> float:
        """Largest surface-node displacement since ``x_before`` / local size (global).

        ``x_before``: the geometry coordinates before the move (the sizes are theirs).
        """
        flat = self.surface.flat
        return self.surface.max_fraction(self.mesh.geometry.x[flat] - x_before[flat], x_before)

    def min_quality(self) -> float:
        """Minimum cell quality over all ranks; negative if any cell inverted."""
        return self.quality.min_quality()

    def worst_cell_um(self) -> str:
        """Centre of the worst cell [µm] as text (the same on every rank)."""
        return self.quality.worst_cell_um()

    def li_volume_m3(self) -> float:
        """Current Li volume [m^3] (revolved body in axisymmetric)."""
        return self.volumes.volume_m3(self.bounds.id(G.LITHIUM))

    def region_volume_m3(self, name: str) -> float:
        """Current volume [m^3] of a cell region (e.g. ``sei``; revolved in axisymmetric)."""
        return self.volumes.volume_m3(self.bounds.id(name))

    @property
    def shell_scale(self) -> float:
        """The SEI shell's scale factor s of the last step (1 without a resolved shell)."""
        return self.kinematics.shell_scale
