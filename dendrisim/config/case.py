"""A whole case: TOML -> validated, frozen :class:`Case`; overrides; resolved TOML out."""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, Field, ValidationError, model_validator

from dendrisim.config.base import Section, read_utf8
from dendrisim.config.cell import CellConfig
from dendrisim.config.control import OutputConfig, SolverConfig, TimeConfig
from dendrisim.config.geometry import GeometryConfig
from dendrisim.config.physics import (
    ElectrolyteConfig,
    InterfaceConfig,
    KineticsConfig,
    SeiConfig,
    SpeciesConfig,
    StopConfig,
    ThermalConfig,
)
from dendrisim.config.unit_cell import derived_geometry
from dendrisim.core.errors import CaseError

NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9._+-]*$"

# Keys renamed since a release: old path -> new path (migration message).
RENAMED_KEYS: dict[str, str] = {}


class Case(Section):
    """One simulation case, fully resolved (SI inside; µm where the key says so)."""

    name: str = Field(default="case", pattern=NAME_RE, max_length=120)
    description: str = ""
    geometry: GeometryConfig = GeometryConfig()
    electrolyte: ElectrolyteConfig = Field(default_factory=lambda: ElectrolyteConfig())
    sei: SeiConfig = Field(default_factory=lambda: SeiConfig())
    kinetics: KineticsConfig = KineticsConfig()
    thermal: ThermalConfig = ThermalConfig()
    species: SpeciesConfig = SpeciesConfig()
    interface: InterfaceConfig = InterfaceConfig()
    time: TimeConfig = TimeConfig()
    solver: SolverConfig = SolverConfig()
    output: OutputConfig = OutputConfig()
    stop: StopConfig = StopConfig()
    cell: CellConfig = CellConfig()  # the whole cell the unit cell stands for (docs/cell.md)
    # folder the case came from (user mesh paths are relative to it); not a TOML key
    source_dir: str = Field(default="", exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _sections_default(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("electrolyte", "sei"):
                data.setdefault(key, {})
        return data

    @model_validator(mode="after")
    def _cross_checks(self) -> Case:
        if self.geometry.mesh:
            path = self.geometry.mesh_path(Path(self.source_dir) if self.source_dir else None)
            if not path.is_file():
                raise ValueError(
                    f'geometry.mesh = "{self.geometry.mesh}": file not found '
                    f"(looked for {path}); give a path to a gmsh .msh file"
                )
            if path.suffix.lower() != ".msh":
                raise ValueError(
                    f'geometry.mesh = "{self.geometry.mesh}": expected a gmsh '
                    ".msh file (other formats: convert with gmsh or meshio)"
                )
        if self.thermal.initial_K <= 0 or self.thermal.ambient_K <= 0:
            raise ValueError("thermal temperatures must be above 0 K")
        if self.cell.derive_unit_cell:
            object.__setattr__(self, "geometry", derived_geometry(self))
        return self

    # --- conveniences ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of the resolved case (None values dropped)."""
        return _drop_none(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        """Resolved case as TOML text."""
        return tomli_w.dumps(self.to_dict())

    def with_overrides(self, overrides: dict[str, Any] | list[str]) -> Case:
        """A new validated case with ``{"section.key": value}`` or ``["a.b=v"]`` applied.

        Size keys derived during resolution (length/diameter from aspect ratio and volume,
        the default pre-exponential) are recomputed when their inputs change.
        """
        raw = self.to_input_dict()
        raw = apply_overrides(raw, overrides)
        return validate_case(
            raw, source=f"{self.name!r} with overrides", source_dir=self.source_dir
        )

    def to_input_dict(self) -> dict[str, Any]:
        """The case as input: resolved, except values that other keys determine."""
        d = self.to_dict()
        g = d["geometry"]
        if g.get("aspect_ratio") is not None:
            g.pop("length_um", None)
            g.pop("diameter_um", None)
        for key in self.geometry.derived_keys:  # sized by a rule: recomputed on overrides
            g.pop(key, None)
        return d


def _drop_none(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_none(v) for v in d]
    return d


# --- built-in cases ---------------------------------------------------------------------
def builtin_case_names() -> list[str]:
    """Names of the cases shipped in ``dendrisim/cases``."""
    files = resources.files("dendrisim.data.cases")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def builtin_case_text(name: str) -> str:
    """The commented TOML text of a built-in case."""
    if name not in builtin_case_names():
        raise CaseError(
            f"no built-in case named {name!r}; built-in cases: {', '.join(builtin_case_names())}"
        )
    return resources.files("dendrisim.data.cases").joinpath(f"{name}.toml").read_text("utf-8")


# --- loading ------------------------------------------------------------------------------
def parse_value(text: str) -> Any:
    """A command-line value as TOML (numbers, booleans, strings, arrays); else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(
    raw: dict[str, Any], overrides: dict[str, Any] | list[str] | None
) -> dict[str, Any]:
    """Set dotted keys in a copy of ``raw``; strings ``"a.b=v"`` are parsed as TOML values."""
    out = copy.deepcopy(raw)
    if not overrides:
        return out
    items: list[tuple[str, Any]]
    if isinstance(overrides, dict):
        items = list(overrides.items())
    else:
        items = []
        for text in overrides:
            if "=" not in text:
                raise CaseError(
                    f"--set {text!r}: expected KEY=VALUE, e.g. --set geometry.length_um=12"
                )
            key, value = text.split("=", 1)
            items.append((key.strip(), parse_value(value.strip())))
    for key, value in items:
        parts = key.split(".")
        if not all(parts):
            raise CaseError(
                f"override key {key!r} is not a dotted key path like 'geometry.length_um'"
            )
        node = out
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise CaseError(f"override {key!r}: {p!r} is a value, not a section")
            node = nxt
        node[parts[-1]] = value
        # a new size pair replaces the other pair
        if parts[0] == "geometry" and len(parts) == 2:
            if parts[1] in ("length_um", "diameter_um"):
                for k in ("aspect_ratio", "volume_um3"):
                    out["geometry"].pop(k, None)
            if parts[1] in ("aspect_ratio", "volume_um3"):
                for k in ("length_um", "diameter_um"):
                    out["geometry"].pop(k, None)
        if parts[0] == "kinetics" and parts[-1] in ("activation_energy_J_mol", "reaction_order"):
            out["kinetics"].setdefault("pre_exponential", 0.0)
    return out


def validate_case(raw: dict[str, Any], source: str | None = None, source_dir: str = "") -> Case:
    """Validate a raw nested dict into a :class:`Case`, or raise a readable CaseError."""
    data = dict(raw)
    data["source_dir"] = source_dir
    _check_renamed(data, source)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(format_validation_errors(exc, data), source=source) from None


def load_case(case: str | Path | Case, overrides: dict[str, Any] | list[str] | None = None) -> Case:
    """Load a case from a TOML path or a built-in name, apply overrides, validate."""
    if isinstance(case, Case):
        return case.with_overrides(overrides) if overrides else case
    text, source, source_dir, default_name = _read_case_source(str(case))
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(f"not valid TOML ({exc})", source=source) from None
    if not any(isinstance(v, dict) for v in raw.values()):
        raise CaseError(
            "no sections; start from `dendrisim show-case fig5-routine` (a complete case)",
            source=source,
        )
    raw.setdefault("name", default_name)
    raw = apply_overrides(raw, overrides)
    return validate_case(raw, source=source, source_dir=source_dir)


def _read_case_source(case: str) -> tuple[str, str, str, str]:
    path = Path(case).expanduser()
    if path.is_file():
        try:
            text = read_utf8(path, "case")
        except ValueError as exc:
            raise CaseError(str(exc)) from None
        return (
            text,
            str(path),
            str(path.resolve().parent),
            re.sub(r"[^A-Za-z0-9._+-]", "_", path.stem) or "case",
        )
    if case in builtin_case_names():
        return builtin_case_text(case), f"built-in {case!r}", "", case
    hint = difflib.get_close_matches(case, builtin_case_names(), n=1)
    more = f"; did you mean the built-in case {hint[0]!r}?" if hint else ""
    raise CaseError(
        f"{case!r} is neither a case file nor a built-in case (built-in: "
        f"{', '.join(builtin_case_names())}){more}"
    )


def _check_renamed(data: dict[str, Any], source: str | None) -> None:
    problems = []
    for old, new in RENAMED_KEYS.items():
        node: Any = data
        for p in old.split("."):
            node = node.get(p) if isinstance(node, dict) else None
        if node is not None:
            problems.append(f"{old} was renamed to {new}; please rename it in the case file")
    if problems:
        raise CaseError(problems, source=source)


# --- readable errors -----------------------------------------------------------------------
def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Case
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return None
    return model


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


_ALLOWED = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "finite_number": "must be a finite number (inf, -inf and nan are not allowed)",
}


_WANT = {
    "float_type": "a number",
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "dict_type": "a table",
    "list_type": "an array",
    "model_type": "a table",
    "int_from_float": "an integer",
    "float_parsing": "a number",
}


def _unknown_key_line(loc: tuple[Any, ...], path: str) -> str:
    """An unknown key: the closest valid key, or the list of valid keys in its section."""
    parent = _model_at(loc[:-1])
    valid = sorted(parent.model_fields) if parent else []
    valid = [v for v in valid if v != "source_dir"]
    hint = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
    where = ".".join(str(p) for p in loc[:-1]) or "top level"
    msg = f"unknown key {path!r}"
    if hint:
        prefix = ".".join(str(p) for p in loc[:-1])
        msg += f"; did you mean {(prefix + '.' if prefix else '') + hint[0]!r}?"
    if parent and not hint:
        msg += f" (valid keys in {where}: {', '.join(valid)})"
    return msg


def _error_line(err: dict[str, Any], data: dict[str, Any]) -> str:
    """One readable line for one pydantic error: key path, the value given, what is allowed."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = ".".join(str(p) for p in loc)
    typ = err["type"]
    if typ == "extra_forbidden":
        return _unknown_key_line(loc, path)
    value = _lookup(data, loc)
    if typ == "value_error":
        text = str(err["msg"]).removeprefix("Value error, ")
        return text if re.match(r"^[a-z_]+[.:]", text) else f"{path}: {text}"
    if typ in _ALLOWED:
        return f"{path} = {value!r}: {_ALLOWED[typ].format(**err.get('ctx', {}))}"
    if typ == "missing":
        return f"{path} is required"
    if typ in _WANT:
        return f"{path} = {value!r} ({type(value).__name__}): expected {_WANT[typ]}"
    if typ == "literal_error":
        return f"{path} = {value!r}: {err['msg'].replace('Input should be', 'allowed:')}"
    return f"{path} = {value!r}: {err['msg']}"


def format_validation_errors(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    """One line per problem: key path, the value given, what is allowed."""
    lines = [_error_line(err, data) for err in exc.errors(include_url=False)]
    # a union (e.g. float | None) reports one line per member: keep the first per path
    seen: set[str] = set()
    unique = []
    for line in lines:
        key = line.split(" ", 1)[0]
        if key in seen and " = " in line:
            continue
        seen.add(key)
        unique.append(line)
    return unique
