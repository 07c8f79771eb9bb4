"""Version shims and optional imports for the FEniCSx stack.

The PyPI route (``dolfinx-solver-real``) ships PETSc/MPI shared libraries in a
``dolfinx_solver`` module that must be imported before ``dolfinx`` or
``petsc4py``; conda-forge's ``fenics-dolfinx`` has no such module.  Every other
module of dendrisim imports dolfinx through :func:`import_dolfinx` (or after
having called it once), never directly first.

For users (scripts, notebooks): ``import dendrisim`` installs :func:`install_import_hook`,
so a plain ``import dolfinx`` (or ``petsc4py``) *after* ``import dendrisim`` loads
``dolfinx_solver`` first and works; a bare ``import dolfinx`` before it fails on the PyPI
route with ``libmpi.so.12: cannot open shared object file``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
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


_PREPARED = ("dolfinx", "petsc4py", "slepc4py")


class _SolverLibrariesFirst(importlib.abc.MetaPathFinder):
    """Imports ``dolfinx_solver`` (if installed) just before dolfinx/petsc4py are found."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102 - finder protocol
        if fullname in _PREPARED and "dolfinx_solver" not in sys.modules:
            load_solver_libraries()
        return None  # the regular finders import the module itself


def install_import_hook() -> None:
    """Make a later plain ``import dolfinx`` work on the PyPI route (idempotent)."""
    if not any(isinstance(f, _SolverLibrariesFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, _SolverLibrariesFirst())


def dolfinx_import_error(exc: BaseException) -> str:
    """What to do when importing dolfinx failed (one message for users)."""
    text = str(exc)
    if "libmpi" in text or "libpetsc" in text:
        return (
            f"dolfinx could not be imported ({text}): on the PyPI route (dolfinx-solver-real) "
            "its MPI/PETSc libraries are loaded by `import dendrisim` (or `import "
            "dolfinx_solver`); import dendrisim before dolfinx, e.g. first in the notebook"
        )
    return f"dolfinx could not be imported ({text}); {_FENICS_HINT}"


def import_dolfinx() -> ModuleType:
    """Import and return ``dolfinx`` after the optional solver-library shim."""
    load_solver_libraries()
    try:
        return importlib.import_module("dolfinx")
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingDependencyError(dolfinx_import_error(exc)) from exc


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
