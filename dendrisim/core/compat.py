"""Version shims and optional imports for the FEniCSx stack.

The PyPI route (``dolfinx-solver-real``) ships PETSc/MPI shared libraries in a
``dolfinx_solver`` module that must be imported before ``dolfinx`` or
``petsc4py``; conda-forge's ``fenics-dolfinx`` has no such module.  Every other
module of dendrisim imports dolfinx through :func:`import_dolfinx` (or after
having called it once), never directly first.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from dendrisim.core.errors import MissingDependencyError

_FENICS_HINT = (
    'the FEniCSx stack is needed for this: `pip install -e ".[fenics]"` (PyPI: '
    "dolfinx-solver-real) or `conda env create -f environment.yml` (conda-forge: fenics-dolfinx)"
)


def load_solver_libraries() -> bool:
    """Import ``dolfinx_solver`` if installed (PyPI route). Returns True if it was."""
    if importlib.util.find_spec("dolfinx_solver") is None:
        return False
    importlib.import_module("dolfinx_solver")
    return True


def import_dolfinx() -> ModuleType:
    """Import and return ``dolfinx`` after the optional solver-library shim."""
    load_solver_libraries()
    try:
        return importlib.import_module("dolfinx")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingDependencyError(
            f"dolfinx could not be imported ({exc}); {_FENICS_HINT}"
        ) from exc


def fenics_available() -> bool:
    """True when dolfinx can be imported (without importing it)."""
    return importlib.util.find_spec("dolfinx") is not None


def versions() -> dict[str, str]:
    """Versions of dendrisim and the libraries that shape its results."""
    from importlib import metadata

    from dendrisim.core.version import package_version

    out: dict[str, str] = {"dendrisim": package_version()}
    for dist in (
        "numpy",
        "gmsh",
        "meshio",
        "pyvista",
        "matplotlib",
        "pydantic",
        "fenics-dolfinx",
        "dolfinx-solver-real",
        "fenics-basix",
        "fenics-ffcx",
        "fenics-ufl",
        "petsc4py",
        "mpi4py",
        "mpich",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    # never import dolfinx here: this runs on rank 0 only, and importing dolfinx on one
    # rank of an MPI job can deadlock (its import is collective)
    if "fenics-dolfinx" not in out and "dolfinx-solver-real" in out:
        out["dolfinx"] = out["dolfinx-solver-real"]
    return out
