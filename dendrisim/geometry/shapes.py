"""Dendrite shapes as a registry: one class per shape, registered by name.

A shape owns everything that depends on it: its analytic Li volume and interface area
(revolved, and the planar section), its gmsh (OpenCASCADE) body in 2D and 3D, its sizing
particulars (tip radius, a tapered interface size) and its consistency checks.  The rest
of the package asks the registry (``get(name)``, or ``Dendrite.kind``) and never switches
on the name.  To add a shape: one :class:`Shape` subclass decorated with ``@register``
(docs/architecture.md); the built-in ones are in :mod:`dendrisim.geometry.builtin_shapes`.

All lengths in micrometres (the case-file unit for geometry); z = 0 is the substrate top
plane, the dendrite grows along +z.  The Li body of a shape is the part above z = 0; its
interface area excludes the footprint on the substrate.

Config imports this module to validate ``geometry.shape``, so at module level it imports
nothing of dendrisim above core; the built-in shapes are loaded when the registry is
first read, and gmsh only inside the body methods.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar


@dataclass(frozen=True)
class Dendrite:
    """One Li body of shape ``shape`` standing on z = 0 at lateral position (x, y) [µm].

    ``tip_radius_um`` and ``head_diameter_um`` are read by the shapes that use them
    (cone, mushroom); None means the shape's default.
    """

    shape: str
    length_um: float
    diameter_um: float
    tip_radius_um: float | None = None
    head_diameter_um: float | None = None
    x_um: float = 0.0
    y_um: float = 0.0

    @property
    def kind(self) -> Shape:
        """The registered :class:`Shape` of this dendrite."""
        return get(self.shape)

    @property
    def radius_um(self) -> float:
        """Base (stalk) radius [µm]."""
        return 0.5 * self.diameter_um

    @property
    def outer_radius_um(self) -> float:
        """Widest radius of the body [µm]."""
        return self.kind.outer_radius_um(self)

    @property
    def min_radius_um(self) -> float:
        """Smallest radius of curvature of the Li surface [µm]."""
        return self.kind.min_radius_um(self)

    def grown(self, t_um: float) -> Dendrite:
        """The SEI's outer surface: the body offset outwards by ``t_um`` [µm]."""
        return self.kind.grown(self, t_um)

    def volume_um3(self, isolated: bool) -> float:
        """Analytic volume above z = 0 (revolved body) [µm^3]."""
        return self.kind.volume_um3(self, isolated)

    def area_um2(self, isolated: bool) -> float:
        """Analytic surface area above z = 0, footprint excluded [µm^2]."""
        return self.kind.interface_area_um2(self, isolated)

    def section_area_um2(self, isolated: bool) -> float:
        """Analytic planar section area above z = 0 (per unit depth) [µm^2]."""
        return self.kind.section_area_um2(self, isolated)

    def section_perimeter_um(self, isolated: bool) -> float:
        """Analytic planar section perimeter above z = 0, footprint excluded [µm]."""
        return self.kind.section_perimeter_um(self, isolated)


class Shape:
    """Base class of a dendrite shape; subclasses override what differs.

    Every method takes the :class:`Dendrite` (lengths in µm).  ``isolated`` is True for a
    body that touches no substrate (only shapes with ``floats_without_substrate``).
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    has_body: ClassVar[bool] = True  # False: no dendrite (the foil top is the interface)
    floats_without_substrate: ClassVar[bool] = False  # no foil: an isolated particle

    # --- analytic measures (revolved body, and the planar section per unit depth) --------
    def volume_um3(self, d: Dendrite, isolated: bool = False) -> float:
        """Li volume above the substrate plane [µm^3] (whole body if ``isolated``)."""
        raise NotImplementedError(f"shape {self.name!r}: no volume formula")

    def interface_area_um2(self, d: Dendrite, isolated: bool = False) -> float:
        """Li/electrolyte area above the substrate plane, footprint excluded [µm^2]."""
        raise NotImplementedError(f"shape {self.name!r}: no area formula")

    def section_area_um2(self, d: Dendrite, isolated: bool = False) -> float:
        """Area of the full planar section (both halves) above z = 0 [µm^2]."""
        raise NotImplementedError(f"shape {self.name!r}: no planar (section) formulas")

    def section_perimeter_um(self, d: Dendrite, isolated: bool = False) -> float:
        """Boundary length of the full planar section above z = 0, footprint excluded [µm]."""
        raise NotImplementedError(f"shape {self.name!r}: no planar (section) formulas")

    # --- sizes ----------------------------------------------------------------------------
    def default_length_um(self, diameter_um: float, on_substrate: bool) -> float:
        """Length when the case gives only a diameter [µm]."""
        return 10.0 * diameter_um

    def outer_radius_um(self, d: Dendrite) -> float:
        """Widest radius of the body [µm]."""
        return d.radius_um

    def min_radius_um(self, d: Dendrite) -> float:
        """Smallest radius of curvature of the Li surface [µm] (sets the mesh size)."""
        return d.radius_um

    def tip_radius_um(self, d: Dendrite) -> float:
        """Radius of the tip, the ball refined by ``geometry.tip_refinement`` [µm]."""
        return self.outer_radius_um(d)

    def grown(self, d: Dendrite, t_um: float) -> Dendrite:
        """Every radius grown by ``t_um``, the tip raised by ``t_um`` [µm]."""
        return replace(
            d,
            length_um=d.length_um + t_um,
            diameter_um=d.diameter_um + 2 * t_um,
            tip_radius_um=None,
            head_diameter_um=None,
        )

    def check(self, d: Dendrite, on_substrate: bool) -> str | None:
        """Why the dimensions are invalid for this shape (naming the case keys), or None."""
        return None

    # --- gmsh (OpenCASCADE): the caller fuses the primitives and clips them to z >= 0 -----
    def body_2d(self, d: Dendrite) -> list[int]:
        """OCC surface tags of the full planar section in the (x, y = z) plane."""
        raise NotImplementedError(f"shape {self.name!r} has no 2D body")

    def body_3d(self, d: Dendrite) -> list[int]:
        """OCC volume tags of the body standing on z = 0 at (x, y)."""
        raise NotImplementedError(f"shape {self.name!r} has no 3D body")

    def interface_size_expr(self, d: Dendrite, vertical: str, h_interface_um: float) -> str | None:
        """A gmsh MathEval expression for the interface size [µm], or None (uniform).

        ``vertical`` is the name of the height coordinate ("y" in 2D, "z" in 3D).
        """
        return None


_REGISTRY: dict[str, Shape] = {}
_BUILTINS_LOADED = False


def _registry() -> dict[str, Shape]:
    """The registry, with the built-in shapes loaded on first use."""
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        import dendrisim.geometry.builtin_shapes  # noqa: F401 - registers the built-ins

    return _REGISTRY


def register[S: type[Shape]](cls: S) -> S:
    """Class decorator: register a :class:`Shape` subclass under its name and aliases."""
    registry = _registry()
    taken = [n for n in (cls.name, *cls.aliases) if n in registry]
    if not cls.name or taken:
        raise ValueError(f"cannot register shape {cls.__name__}: name empty or taken {taken}")
    shape = cls()
    for n in (cls.name, *cls.aliases):
        registry[n] = shape
    return cls


def unregister(name: str) -> None:
    """Remove a shape and its aliases from the registry (tests, plug-ins)."""
    registry = _registry()
    shape = registry[name]
    for n in [k for k, v in registry.items() if v is shape]:
        del registry[n]


def names() -> tuple[str, ...]:
    """Registered shape names and aliases, in registration order."""
    return tuple(_registry())


def get(name: str) -> Shape:
    """The registered shape called ``name`` (or an alias); ValueError lists the names."""
    try:
        return _registry()[name]
    except KeyError:
        raise ValueError(f"unknown shape {name!r}; allowed: {', '.join(names())}") from None


def _dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um) -> Dendrite:
    return Dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um)


def volume_um3(
    shape, length_um, diameter_um, tip_radius_um=None, head_diameter_um=None, isolated=False
) -> float:
    """Li volume of a shape above the substrate plane [µm^3] (whole body if ``isolated``)."""
    d = _dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um)
    return d.kind.volume_um3(d, isolated)


def interface_area_um2(
    shape, length_um, diameter_um, tip_radius_um=None, head_diameter_um=None, isolated=False
) -> float:
    """Li/electrolyte area of a shape above the substrate plane, footprint excluded [µm^2]."""
    d = _dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um)
    return d.kind.interface_area_um2(d, isolated)


def section_area_um2(
    shape, length_um, diameter_um, tip_radius_um=None, head_diameter_um=None, isolated=False
) -> float:
    """Area of a shape's full planar section above z = 0 (``planar`` Li volume) [µm^2]."""
    d = _dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um)
    return d.kind.section_area_um2(d, isolated)


def section_perimeter_um(
    shape, length_um, diameter_um, tip_radius_um=None, head_diameter_um=None, isolated=False
) -> float:
    """Boundary length of a shape's planar section above z = 0, footprint excluded [µm]."""
    d = _dendrite(shape, length_um, diameter_um, tip_radius_um, head_diameter_um)
    return d.kind.section_perimeter_um(d, isolated)


def diameter_for_volume_um(
    shape, aspect_ratio, volume, tip_radius_um=None, head_diameter_um=None, isolated=False
) -> float:
    """Diameter D [µm] such that the shape with L = aspect_ratio * D has ``volume`` [µm^3].

    The volume grows monotonically with D at fixed L/D, so bisection is robust.  A given
    tip radius or head diameter is held fixed; their defaults scale with D.
    """

    def f(d: float) -> float:
        return (
            volume_um3(shape, aspect_ratio * d, d, tip_radius_um, head_diameter_um, isolated)
            - volume
        )

    lo, hi = 1e-12, 1.0
    while f(hi) < 0:
        hi *= 2.0
        if hi > 1e12:
            raise ValueError("no diameter gives this volume")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15 * hi:
            break
    return 0.5 * (lo + hi)
