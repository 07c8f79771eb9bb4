"""One-way layers (docs/architecture.md#layers): what each package must not import.

Two kinds of rule: third-party libraries a layer must not touch (geometry never imports
dolfinx, physics never imports gmsh, only post.plots imports matplotlib and only
post.views pyvista), and the package's own order: a package imports only packages of a
lower (or its own) rank.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "dendrisim"

# The package's own layers, bottom to top (docs/architecture.md#layers).
RANK = {
    "core": 0,
    "config": 1,
    "geometry": 2,
    "meshing": 3,
    "physics": 4,
    "observables": 5,
    "solver": 6,
    "io": 7,
    "sweep": 8,
    "post": 9,
    "api": 10,
    "cli": 11,
}
# Registries a lower layer may read although their package sits higher: config validates
# shape names, material presets and physics-term names (laws, boundary conditions)
# against them. They import nothing above core.
REGISTRIES = {
    "dendrisim.geometry.shapes",
    "dendrisim.physics.materials",
    "dendrisim.physics.registry",
}
# Crossings still to be removed (each names the issue work that removes it). Empty = done.
KNOWN_CROSSINGS: set[tuple[str, str]] = set()

HEAVY = {"dolfinx", "dolfinx_solver", "petsc4py", "ufl", "basix"}
# package (or module) relative to dendrisim/ -> forbidden third-party top-level imports
RULES = {
    "core": {"gmsh", "pyvista", "matplotlib"},
    "config": {"gmsh", "pyvista", "matplotlib"} | HEAVY,
    "geometry": {"matplotlib", "pyvista"} | HEAVY,
    "meshing": {"pyvista", "matplotlib"},
    "physics": {"gmsh", "pyvista", "matplotlib"},
    "physics/materials.py": {"gmsh", "pyvista", "matplotlib"} | HEAVY,
    "physics/kinetics.py": {"gmsh", "pyvista", "matplotlib", "dolfinx", "petsc4py"},
    "observables": {"gmsh", "pyvista", "matplotlib"},
    "solver": {"gmsh", "pyvista", "matplotlib"},
    "io": {"gmsh", "pyvista", "matplotlib"},
    "io/result.py": {"gmsh", "pyvista", "matplotlib"} | HEAVY,
    "sweep": {"gmsh", "pyvista", "dolfinx", "petsc4py"},
    "post": {"gmsh", "dolfinx", "petsc4py"},
    "api": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
    "cli": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
}
ONLY_IN = {"pyvista": "post/views", "matplotlib": "post/plots"}
ROOT_MODULES = {"__init__.py", "__main__.py"}


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text("utf-8"))


def _imports(path: Path) -> set[str]:
    """Top-level module names imported anywhere in a file (also inside functions)."""
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _own_imports(path: Path) -> set[str]:
    """Dotted dendrisim modules imported anywhere in a file."""
    out = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("dendrisim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dendrisim":
                out |= {f"dendrisim.{a.name}" for a in node.names}
            elif node.module.startswith("dendrisim."):
                # `from dendrisim.pkg import module` names the module itself
                subs = [f"{node.module}.{a.name}" for a in node.names]
                subs = [s for s in subs if _module_path(s).exists()]
                out |= set(subs) if subs else {node.module}
    return out


def _module_path(module: str) -> Path:
    return PKG.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _files(rel: str) -> list[Path]:
    p = PKG / rel
    if p.is_dir():
        return sorted(p.rglob("*.py"))
    return [p] if p.exists() else []


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


@pytest.mark.parametrize("rel", sorted(RULES))
def test_layer_does_not_import_forbidden(rel):
    files = _files(rel)
    assert files, f"dendrisim/{rel} does not exist: update RULES"
    for f in files:
        bad = _imports(f) & RULES[rel]
        assert not bad, f"{f.relative_to(PKG)} imports {sorted(bad)} (docs/architecture.md#layers)"


@pytest.mark.parametrize("lib", sorted(ONLY_IN))
def test_plotting_libraries_only_in_their_layer(lib):
    for f in PKG.rglob("*.py"):
        rel = f.relative_to(PKG).as_posix()
        if rel.startswith(ONLY_IN[lib] + "/"):
            continue
        assert lib not in _imports(f), f"{rel} imports {lib}"


@pytest.mark.parametrize("package", sorted(RANK))
def test_lower_layer_never_imports_a_higher_one(package):
    crossings = set()
    for f in _files(package):
        rel = f.relative_to(PKG).as_posix()
        for mod in _own_imports(f):
            target = _layer(mod)
            if target is None or RANK[target] <= RANK[package]:
                continue
            if package == "config" and mod in REGISTRIES:
                continue
            crossings.add((rel, mod))
    unexpected = crossings - KNOWN_CROSSINGS
    assert not unexpected, f"imports from a higher layer: {sorted(unexpected)}"


def test_known_crossings_still_exist():
    """A crossing removed from the code must be removed from KNOWN_CROSSINGS too."""
    for rel, mod in KNOWN_CROSSINGS:
        assert mod in _own_imports(PKG / rel), f"{rel} no longer imports {mod}: drop it"


def _module_level_own_imports(path: Path) -> set[str]:
    """Dotted dendrisim modules imported at module level (run when the module is imported)."""
    out = set()
    for node in _tree(path).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dendrisim"):
            out |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("dendrisim")}
    return out


def test_registries_import_only_core():
    """Config imports the registries: at import time they may load nothing above core.

    (Code inside a registry's methods may import its own package lazily, e.g. a shape's
    gmsh body.)
    """
    for mod in REGISTRIES:
        above = {
            m
            for m in _module_level_own_imports(_module_path(mod))
            if _layer(m) not in (None, "core")
        }
        assert not above, f"{mod} imports {sorted(above)} at module level: only core allowed"


def test_every_package_has_a_layer():
    for p in PKG.iterdir():
        if p.name == "__pycache__" or p.name == "data":
            continue
        if p.is_file() and p.suffix == ".py":
            assert p.name in ROOT_MODULES, f"loose module dendrisim/{p.name}: put it in a layer"
        elif p.is_dir() and any(p.rglob("*.py")):
            assert p.name in RANK, f"no layer for dendrisim/{p.name}"


def test_package_inits_stay_light():
    """Package __init__ files import nothing heavy, so a pure module loads without dolfinx."""
    for init in PKG.glob("*/__init__.py"):
        heavy = _imports(init) & (HEAVY | {"gmsh", "pyvista", "matplotlib"})
        assert not heavy, f"{init.relative_to(PKG)} imports {sorted(heavy)}"


def test_parallel_module_holds_the_collectives():
    for f in PKG.rglob("*.py"):
        if f.name == "parallel.py":
            continue
        text = f.read_text("utf-8")
        assert "allreduce" not in text, f"{f.relative_to(PKG)} calls allreduce directly"
