"""Moving Li surface: interface recession by consumption and mesh motion (ALE).

The Li surface recedes along its normal with speed ``V_m * r``
(docs/physics.md#equations).  Each step:

1. the interface displacement is a P1 vector field on the interface nodes, the lumped
   L2 projection of ``-V_m r dt n_Li`` (``n_Li`` the outward normal of the Li): the volume
   it sweeps equals ``V_m dt * integral(r dA)`` up to the lumping, so the Li volume and the
   moles consumed stay consistent;
2. the displacement is extended into both Li and electrolyte by a harmonic (Laplace)
   solve with a stiffness inversely proportional to the cell size (small cells near the
   interface move rigidly instead of being squashed); outer boundaries are fixed, the
   axis and planar lateral walls slide (no normal motion), the substrate top slides in its
   plane (a non-reacting foil) or recedes too (``substrate_reacts``); the cylindrical side
   of a 3D cell is free in the solve, then its nodes are put back on the cylinder with
   each region's volume kept (:mod:`.walls`);
3. mesh coordinates are updated; the mesh velocity ``w = du/dt`` is available for the
   ALE transport terms; the cell quality is monitored (inversion detection).

Resolved SEI shell (cell region ``sei``, facets ``interface`` = SEI facing electrolyte and
``li_sei`` = Li facing SEI).  The reaction happens at the shell's outer surface, but the
Li it consumes is taken from the Li under the shell; the shell keeps its thickness and
recedes with the Li (SEI re-forms on the fresh Li as fast as the old SEI is lost):

- the Li surface ``li_sei`` recedes along the outward normal of the Li with normal speed
  ``s V_m r~``, where ``r~`` at a Li/SEI node is the nodal rate of the nearest node of the
  outer surface (``interface``; the map is found once on the initial mesh, over all ranks)
  and the factor ``s`` (about outer/inner area) makes the volume swept at ``li_sei`` equal
  ``V_m dt * integral_interface(r dA)`` exactly: the Li volume matches the moles consumed;
- the outer ``interface`` nodes move by the same rule along the outward normal of the
  solid (Li and SEI) with normal speed ``s V_m r``: each moves as far as the Li nodes that
  take their rate, so the thickness is kept (the SEI volume then shrinks with the area of
  the shell, by about ``(s - 1)`` times the Li volume consumed);
- the SEI's foot on the foil (``li_sei`` facets in the plane z = 0) slides in that plane
  like ``substrate_top``; with ``substrate_reacts`` it recedes with the Li under it (rate
  carried from the nearest ``interface`` node) and ``substrate_top`` recedes by its own rate.

Without a shell (no ``li_sei`` facets) the interface is the Li surface itself (s = 1).

Geometry of degree 1 is required (the coordinates are moved node by node).

Parts (one module each):

- :mod:`.kinematics` (:class:`InterfaceKinematics`): normals, the recession ``V_m r dt``
  of every surface node (step 1 above), tangential relaxation;
- :mod:`.shell` (:class:`ShellCarry`): the SEI shell carry map and its scale factor s;
- :mod:`.boundaries` (:class:`MotionBoundaries`): which facets move, slide or stay fixed;
- :mod:`.extension` (:class:`ExtensionSolver`): the harmonic extension (step 2), its PETSc
  objects and their lifetime;
- :mod:`.walls` (:class:`CylinderWall`): the cylindrical side of a 3D unit cell;
- :mod:`.quality`: cell quality and inversion, surface node sizes, region volumes;
- :mod:`.mesh_motion` (:class:`MeshMotion`): the composition the time loop uses.
"""

from dendrisim.solver.motion.assembly import li_outward_normal, radial_weight
from dendrisim.solver.motion.boundaries import FOOT_ID
from dendrisim.solver.motion.mesh_motion import MeshMotion
from dendrisim.solver.motion.quality import cell_quality

__all__ = ["FOOT_ID", "MeshMotion", "cell_quality", "li_outward_normal", "radial_weight"]
