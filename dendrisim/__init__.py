"""dendrisim: reaction, transport, heat release and Li consumption of Li-metal dendrites.

Python API (docs/architecture.md#layers)::

    import dendrisim
    case = dendrisim.load_case("fig5-routine", overrides={"time.end_s": 2.0})
    result = dendrisim.run(case)

``import dendrisim`` also prepares a plain ``import dolfinx`` after it (PyPI route: the
wheel's MPI/PETSc libraries load first; see :mod:`dendrisim.core.compat`).
"""

import sys
import types

from dendrisim.api import (
    builtin_case_names,
    builtin_case_text,
    load_case,
    mesh,
    plot,
    run,
    sweep,
    view,
)
from dendrisim.config import Case
from dendrisim.core.compat import install_import_hook
from dendrisim.core.errors import CaseError, DendrisimError
from dendrisim.core.logs import set_log_level
from dendrisim.core.version import package_version
from dendrisim.io.result import Result

install_import_hook()  # `import dolfinx` after `import dendrisim` works on the PyPI route

__version__: str = package_version()  # one source: pyproject.toml (package metadata)


class _Package(types.ModuleType):
    """Keeps ``dendrisim.sweep`` the API function once the sweep package is imported.

    Importing a subpackage sets it as an attribute of its parent, so the first
    ``dendrisim.sweep(...)`` (which imports :mod:`dendrisim.sweep`) would otherwise turn
    ``dendrisim.sweep`` into a module. The package stays reachable as
    ``from dendrisim.sweep import run_sweep`` (``sys.modules``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in __all__ and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "Case",
    "CaseError",
    "DendrisimError",
    "Result",
    "__version__",
    "builtin_case_names",
    "builtin_case_text",
    "load_case",
    "mesh",
    "plot",
    "run",
    "set_log_level",
    "sweep",
    "view",
]
