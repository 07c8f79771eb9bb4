"""The ``[geometry]`` section: shape, size, regions, mesh size (lengths in µm)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from dendrisim.config.base import Section
from dendrisim.core.units import UM
from dendrisim.geometry import shapes

# [C] OpenCASCADE's geometric tolerance (Precision::Confusion) is 1e-7 in model units (µm
# here); measured: a needle of 1e-7 µm fails ("BRep_API: command not done"), 3e-7 µm builds.
# A factor 10 of margin above the tolerance:
MIN_FEATURE_UM = 1e-6


class ForestConfig(Section):
    """Several dendrites on one substrate (3D only)."""

    count: int = Field(default=1, ge=1, le=400)
    spacing_um: float | None = Field(default=None, gt=0)  # None: 3 diameters
    random: bool = False  # random positions and sizes from `seed`
    seed: int = 0
    size_spread: float = Field(default=0.0, ge=0, lt=1)  # relative spread of L and D
    # random forest: L/D and D drawn uniformly from [min, max] (instead of size_spread)
    aspect_ratio_min: float | None = Field(default=None, gt=0)  # random forest: lowest L/D
    aspect_ratio_max: float | None = Field(default=None, gt=0)  # random forest: highest L/D
    diameter_min_um: float | None = Field(default=None, gt=0)  # random forest: thinnest D
    diameter_max_um: float | None = Field(default=None, gt=0)  # random forest: thickest D
    # smallest surface distance between dendrites (with SEI) and to the mirror walls;
    # None: two interface mesh elements
    min_gap_um: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check_ranges(self) -> ForestConfig:
        """Both ends of a range or neither, min <= max, ranges only for a random forest."""
        pairs = (("aspect_ratio_min", "aspect_ratio_max"), ("diameter_min_um", "diameter_max_um"))
        for lo_key, hi_key in pairs:
            lo, hi = getattr(self, lo_key), getattr(self, hi_key)
            if (lo is None) != (hi is None):
                given, missing = (lo_key, hi_key) if hi is None else (hi_key, lo_key)
                raise ValueError(
                    f"geometry.forest.{missing} is missing: geometry.forest.{given} is given; "
                    "a range needs both ends"
                )
            if lo is not None and lo > hi:
                raise ValueError(
                    f"geometry.forest.{lo_key} = {lo:g} is larger than "
                    f"geometry.forest.{hi_key} = {hi:g}; allowed: min <= max"
                )
        if self.has_ranges and not self.random:
            raise ValueError(
                "geometry.forest.aspect_ratio_min/max and diameter_min_um/max_um need "
                "geometry.forest.random = true (a regular forest repeats one dendrite)"
            )
        return self

    @property
    def has_ranges(self) -> bool:
        """True when L/D or D ranges are given."""
        return self.aspect_ratio_min is not None or self.diameter_min_um is not None

    def largest_um(self, length_um: float, diameter_um: float) -> tuple[float, float]:
        """(longest length, largest diameter) a dendrite of this forest can have [µm]."""
        d_max = self.diameter_max_um if self.diameter_max_um is not None else diameter_um
        if self.aspect_ratio_max is not None:
            return self.aspect_ratio_max * d_max, d_max
        if self.diameter_max_um is not None:  # L/D kept: the length scales with D
            return length_um * d_max / diameter_um, d_max
        s = 1.0 + self.size_spread
        return length_um * s, diameter_um * s


class GeometryConfig(Section):
    """Dendrite geometry. Give (length_um, diameter_um) or (aspect_ratio, volume_um3)."""

    _derived: frozenset[str] = PrivateAttr(default=frozenset())

    formulation: Literal["axisymmetric", "planar", "3d"] = "axisymmetric"
    shape: str = "needle"  # a name in the shape registry (dendrisim.geometry.shapes)
    length_um: float | None = Field(default=None, gt=0)  # substrate to tip, cap included
    diameter_um: float | None = Field(default=None, gt=0)
    aspect_ratio: float | None = Field(default=None, gt=0)  # L/D, with volume_um3
    volume_um3: float | None = Field(default=None, gt=0)
    tip_radius_um: float | None = Field(default=None, gt=0)  # cone: default D/10
    head_diameter_um: float | None = Field(default=None, gt=0)  # mushroom: default 2 D
    sei_thickness_um: float = Field(default=0.0, ge=0)  # > 0 resolves an SEI shell region
    substrate_thickness_um: float = Field(default=0.5, ge=0)
    substrate_reacts: bool = False
    # electrolyte cell: unit-cell radius (lateral symmetry wall) and height above z = 0;
    # None: 7 outer radii (forests: from the spacing)
    cell_radius_um: float | None = Field(default=None, gt=0)
    electrolyte_height_um: float | None = Field(default=None, gt=0)
    mesh_size_interface_um: float | None = Field(default=None, gt=0)  # default: R_min / 8
    mesh_size_bulk_um: float | None = Field(default=None, gt=0)  # default: graded
    mesh_order: Literal[1, 2] = 1
    tip_refinement: bool = False
    forest: ForestConfig = ForestConfig()
    mesh: str = (
        ""  # a user .msh with the docs/architecture.md#groups group names replaces generation
    )
    mesh_unit: Literal["m", "mm", "um", "nm"] = "um"  # length unit inside `mesh`

    @field_validator("shape")
    @classmethod
    def _known_shape(cls, name: str) -> str:
        known = shapes.names()
        if name not in known:
            allowed = ", ".join(repr(n) for n in known[:-1]) + f" or {known[-1]!r}"
            raise ValueError(f"geometry.shape = {name!r}: allowed: {allowed}")
        return name

    @property
    def shape_kind(self) -> shapes.Shape:
        """The registered :class:`~dendrisim.geometry.shapes.Shape` of ``shape``."""
        return shapes.get(self.shape)

    def dendrite(self) -> shapes.Dendrite:
        """The single dendrite this section describes, at the origin [µm]."""
        return shapes.Dendrite(
            self.shape, self.length_um, self.diameter_um, self.tip_radius_um, self.head_diameter_um
        )

    @model_validator(mode="after")
    def _resolve_size(self) -> GeometryConfig:
        """Fill length_um and diameter_um from aspect_ratio and volume_um3 (or defaults)."""
        given_ld = self.length_um is not None or self.diameter_um is not None
        given_av = self.aspect_ratio is not None or self.volume_um3 is not None
        if given_av:
            if self.aspect_ratio is None or self.volume_um3 is None:
                missing = "aspect_ratio" if self.aspect_ratio is None else "volume_um3"
                raise ValueError(
                    f"geometry.{missing} is missing: aspect_ratio and volume_um3 are given "
                    "together (or give length_um and diameter_um instead)"
                )
            d = shapes.diameter_for_volume_um(
                self.shape,
                self.aspect_ratio,
                self.volume_um3,
                self.tip_radius_um,
                self.head_diameter_um,
                self.isolated,
            )
            if given_ld:
                # a resolved case lists both pairs; accept them only when they agree
                agree = (
                    self.length_um is not None
                    and self.diameter_um is not None
                    and abs(self.diameter_um - d) <= 1e-6 * d
                    and abs(self.length_um - self.aspect_ratio * d) <= 1e-6 * d
                )
                if not agree:
                    raise ValueError(
                        "geometry: give either (length_um, diameter_um) or (aspect_ratio, "
                        f"volume_um3), not both; aspect_ratio = {self.aspect_ratio:g} and "
                        f"volume_um3 = {self.volume_um3:g} give diameter_um = {d:.6g}, "
                        f"length_um = {self.aspect_ratio * d:.6g}, which disagree with "
                        f"length_um = {self.length_um}, diameter_um = {self.diameter_um}"
                    )
            object.__setattr__(self, "diameter_um", d)
            object.__setattr__(self, "length_um", self.aspect_ratio * d)
        else:
            if self.diameter_um is None:
                object.__setattr__(self, "diameter_um", 0.15)  # docs/fig5.md routine needle
            if self.length_um is None:
                default_l = self.shape_kind.default_length_um(
                    self.diameter_um, self.substrate_thickness_um > 0
                )
                object.__setattr__(self, "length_um", default_l)
        self._resolve_domain()
        self._check_consistency()
        return self

    def _resolve_domain(self) -> None:
        """Size the electrolyte cell from the dendrite where not given.

        Rule [I]: the lateral wall three outer diameters from the dendrite's side
        (cell radius 7 R_out, R_out = widest radius + SEI), and the top two lengths (at
        least three outer diameters) above the tip.  ``flat``: 0.5 µm and 5 µm, the
        unit cell (docs/architecture.md#case-keys).  Forests size their box from the
        spacing instead.
        """
        # (re-validation of an instance runs this again: keep what was derived before)
        private = dict(getattr(self, "__pydantic_private__", None) or {})
        derived = set(private.get("_derived", ()))
        flat = not self.shape_kind.has_body
        r_out = self.dendrite().outer_radius_um + self.sei_thickness_um
        top = self.length_um + self.sei_thickness_um
        if self.forest.count > 1 and self.forest.has_ranges:  # the longest may be drawn
            top = self.forest.largest_um(self.length_um, self.diameter_um)[0]
            top += self.sei_thickness_um
        if self.cell_radius_um is None:
            object.__setattr__(self, "cell_radius_um", 0.5 if flat else 7.0 * r_out)
            derived.add("cell_radius_um")
        if self.electrolyte_height_um is None:
            height = 5.0 if flat else top + max(2.0 * top, 6.0 * r_out)
            object.__setattr__(self, "electrolyte_height_um", height)
            derived.add("electrolyte_height_um")
        # private state set during validation (pydantic keeps an existing private dict)
        private["_derived"] = frozenset(derived)
        object.__setattr__(self, "__pydantic_private__", private)

    @property
    def derived_keys(self) -> frozenset[str]:
        """Keys filled by a rule (not given): dropped when the case is re-validated."""
        return self._derived

    def _check_consistency(self) -> None:
        if self.mesh:
            return  # a user mesh defines its own geometry; checked when loaded
        self._check_buildable()
        problem = self.shape_kind.check(self.dendrite(), self.substrate_thickness_um > 0)
        if problem is not None:
            raise ValueError(problem)
        if self.shape_kind.has_body:
            self._check_body_fits()
        self._check_forest()

    def _check_buildable(self) -> None:
        """Every length at least MIN_FEATURE_UM: OpenCASCADE cannot build smaller faces."""
        d = self.dendrite() if self.shape_kind.has_body else None
        sizes = {
            "diameter_um": d.diameter_um if d else None,
            "length_um": d.length_um if d else None,
            "tip_radius_um": self.tip_radius_um,
            "head_diameter_um": self.head_diameter_um,
            "sei_thickness_um": self.sei_thickness_um or None,
            "substrate_thickness_um": self.substrate_thickness_um or None,
            "mesh_size_interface_um": self.mesh_size_interface_um,
            "mesh_size_bulk_um": self.mesh_size_bulk_um,
        }
        for key, v in sizes.items():
            if v is not None and v < MIN_FEATURE_UM:
                raise ValueError(
                    f"geometry.{key} = {v:g} µm is below {MIN_FEATURE_UM:g} µm, the smallest "
                    "size gmsh/OpenCASCADE builds here (its tolerance is 1e-7 in the model's "
                    "µm units; 1e-7 µm fails, 3e-7 µm builds)"
                )

    def _check_body_fits(self) -> None:
        """The dendrite (with its SEI) inside the cell, and the SEI thinner than any radius."""
        d, t = self.dendrite(), self.sei_thickness_um
        L, D = d.length_um, d.diameter_um
        outer = d.outer_radius_um + t
        if outer >= self.cell_radius_um:
            raise ValueError(
                f"geometry.diameter_um = {D:g} µm (outer radius with SEI {outer:g} µm) does not"
                f" fit in the domain: geometry.cell_radius_um = {self.cell_radius_um:g} µm must "
                "be larger than the dendrite's outer radius"
            )
        if L + t >= self.electrolyte_height_um:
            raise ValueError(
                f"geometry.length_um = {L:g} µm reaches the top of the domain: "
                f"geometry.electrolyte_height_um = {self.electrolyte_height_um:g} µm must exceed"
                " the dendrite length plus SEI thickness"
            )
        if t >= d.min_radius_um:
            raise ValueError(
                f"geometry.sei_thickness_um = {t:g} µm is not thinner than "
                f"the smallest Li radius {d.min_radius_um:g} µm; the SEI shell must be thinner"
            )

    def _check_forest(self) -> None:
        spacing = self.forest.spacing_um
        outer = self.dendrite().outer_radius_um
        if self.forest.has_ranges:  # the widest the forest may draw
            outer *= self.forest.largest_um(self.length_um, self.diameter_um)[1] / self.diameter_um
        outer += self.sei_thickness_um
        if self.forest.count > 1 and spacing is not None and spacing <= 2 * outer:
            raise ValueError(
                f"geometry.forest.spacing_um = {spacing:g} µm: neighbouring dendrites overlap "
                f"(outer diameter {2 * outer:.4g} µm incl. SEI); the spacing must be larger"
            )
        if self.forest.count > 1 and self.formulation != "3d":
            raise ValueError(
                f'geometry.forest.count = {self.forest.count} needs formulation = "3d" (got '
                f'"{self.formulation}"); 2D formulations hold one dendrite per unit cell'
            )

    # --- SI views -------------------------------------------------------------------
    @property
    def length_m(self) -> float:
        """Dendrite length [m]."""
        return self.length_um * UM

    @property
    def diameter_m(self) -> float:
        """Dendrite (base or stalk) diameter [m]."""
        return self.diameter_um * UM

    @property
    def isolated(self) -> bool:
        """True for a Li body that touches no substrate (isolated particle)."""
        return self.substrate_thickness_um == 0 and self.shape_kind.floats_without_substrate

    def analytic_volume_um3(self) -> float:
        """Analytic Li volume of the dendrite above the substrate plane [µm^3]."""
        return self.dendrite().volume_um3(self.isolated)

    def analytic_interface_area_um2(self) -> float:
        """Analytic dendrite interface area (footprint excluded) [µm^2]."""
        return self.dendrite().area_um2(self.isolated)

    def mesh_path(self, base: Path | None = None) -> Path | None:
        """The user mesh path, resolved against ``base`` (the case file's folder)."""
        if not self.mesh:
            return None
        p = Path(self.mesh).expanduser()
        return p if p.is_absolute() or base is None else (base / p)
