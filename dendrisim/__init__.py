"""dendrisim: reaction, transport, heat release and Li consumption of Li-metal dendrites.

Python API (docs/architecture.md#layers)::

    import dendrisim
    case = dendrisim.load_case("fig5-routine", overrides={"time.end_s": 2.0})
    result = dendrisim.run(case)
"""

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
from dendrisim.core.errors import CaseError, DendrisimError
from dendrisim.core.logs import set_log_level
from dendrisim.core.version import package_version
from dendrisim.io.result import Result

__version__: str = package_version()  # one source: pyproject.toml (package metadata)

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
