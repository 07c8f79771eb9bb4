"""One-way layers (DESIGN §2, STYLE 1): what each layer must not import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "dendrisim"

# module (file or package folder, relative to dendrisim/) -> forbidden top-level imports
RULES = {
    "geometry": {"dolfinx", "dolfinx_solver", "petsc4py", "ufl", "basix", "matplotlib"},
    "shapes.py": {"gmsh", "dolfinx", "dolfinx_solver", "petsc4py", "ufl", "pyvista",
                  "matplotlib"},
    "config": {"gmsh", "dolfinx", "dolfinx_solver", "petsc4py", "ufl", "pyvista", "matplotlib"},
    "materials.py": {"gmsh", "dolfinx", "dolfinx_solver", "petsc4py", "pyvista", "matplotlib"},
    "kinetics.py": {"gmsh", "dolfinx", "dolfinx_solver", "petsc4py", "pyvista", "matplotlib"},
    "model": {"gmsh", "pyvista", "matplotlib"},
    "simulation": {"gmsh", "pyvista", "matplotlib"},
    "observables.py": {"gmsh", "pyvista", "matplotlib"},
    "results.py": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
    "output.py": {"gmsh", "pyvista", "matplotlib"},
    "sweep": {"gmsh", "dolfinx", "petsc4py", "pyvista"},
    "cli.py": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
    "api.py": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
    "runner.py": {"gmsh", "dolfinx", "petsc4py", "pyvista", "matplotlib"},
    "remesh.py": {"pyvista", "matplotlib"},
}
ONLY_IN = {"pyvista": {"viz"}, "matplotlib": {"plotting"}}


def _imports(path: Path) -> set[str]:
    """Top-level module names imported anywhere in a file (also inside functions)."""
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _files(rel: str) -> list[Path]:
    p = PKG / rel
    if p.is_dir():
        return sorted(p.rglob("*.py"))
    return [p] if p.exists() else []


@pytest.mark.parametrize("rel", sorted(RULES))
def test_layer_does_not_import_forbidden(rel):
    for f in _files(rel):
        bad = _imports(f) & RULES[rel]
        assert not bad, f"{f.relative_to(PKG)} imports {sorted(bad)} (forbidden by DESIGN §2)"


@pytest.mark.parametrize("lib", sorted(ONLY_IN))
def test_plotting_libraries_only_in_their_layer(lib):
    for f in PKG.rglob("*.py"):
        top = f.relative_to(PKG).parts[0]
        if top in ONLY_IN[lib]:
            continue
        assert lib not in _imports(f), f"{f.relative_to(PKG)} imports {lib}"


def test_rules_cover_existing_layers():
    # every top-level module/package of dendrisim is either ruled or known to be free
    free = {"__init__.py", "__main__.py", "compat.py", "errors.py", "parallel.py", "mainjob.py",
            "viz", "plotting", "cases", "ale.py", "mesh.py", "fields_io.py", "sweeps"}
    for p in PKG.iterdir():
        if p.name.startswith(("_", ".")) and p.name not in free or p.name == "__pycache__":
            continue
        if p.suffix == ".py" or (p.is_dir() and any(p.rglob("*.py"))):
            assert p.name in RULES or p.name in free, f"no layering rule for dendrisim/{p.name}"


def test_parallel_module_holds_the_collectives():
    for f in PKG.rglob("*.py"):
        if f.name == "parallel.py":
            continue
        text = f.read_text("utf-8")
        assert "allreduce" not in text, f"{f.relative_to(PKG)} calls allreduce directly"
