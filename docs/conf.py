"""Sphinx configuration of the dendrisim documentation site (built by scripts/docs).

Sphinx + MyST: the Markdown pages in docs/ are used as they are, the API reference comes
from the docstrings (autodoc), the CLI reference from the typer app (typer's own doc generator, run
at every build into docs/_generated/cli.md), and
the example notebooks in docs/examples/ are MyST-Markdown text (jupytext) that MyST-NB
executes on every build. scripts/docs builds with -W: a warning or a failing example
cell fails the build. DENDRISIM_DOCS_FAST=1 executes only the quick examples (see
``nb_execution_excludepatterns``; scripts/test uses it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the package of this tree, also when not installed
os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
# the example notebooks' kernels import this tree's dendrisim too
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(HERE.parent), os.environ.get("PYTHONPATH", "")) if p
)

import dendrisim  # noqa: E402


def _generate_cli_reference() -> None:
    """docs/_generated/cli.md from the typer app (``typer ... utils docs``)."""
    out = HERE / "_generated" / "cli.md"
    out.parent.mkdir(exist_ok=True)
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "typer", "dendrisim.cli.app", "utils", "docs"]
    subprocess.run(
        [*cmd, "--name", "dendrisim", "--output", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )


_generate_cli_reference()

project = "dendrisim"
author = "dendrisim developers"
copyright = "dendrisim developers, MIT license"  # noqa: A001 - Sphinx's name
release = dendrisim.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown pages and executed notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "_generated",  # included by cli.md
    "jupyter_execute",
    "**.ipynb_checkpoints",
]
root_doc = "index"

myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3  # the pages link to #section anchors as GitHub does

# Example notebooks: executed at every build, in their own folder, a failing cell fails.
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs (summary tables) as tables
nb_execution_excludepatterns = (
    ["examples/fig5.md", "examples/sweep.md", "examples/pyvista.md"]
    if os.environ.get("DENDRISIM_DOCS_FAST")
    else []
)

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_mock_imports: list[str] = []

html_theme = "furo"
html_title = f"dendrisim {release}"
html_static_path: list[str] = []
