"""Off-screen rendering without VTK's display noise.

Rendering a picture to a file (mesh preview, ``view --screenshot``) creates an off-screen
VTK window; on a machine without an X server VTK still tries one first and logs
``vtkXOpenGLRenderWindow ... WARN| bad X server connection. DISPLAY=`` on stderr, then
renders fine.  There that warning is noise: :func:`quiet_vtk_display_warning` lowers VTK's
stderr log to errors.  Interactive windows keep VTK's warnings (a missing display matters
there, and :func:`dendrisim.view` says so in one line).
"""

from __future__ import annotations

import importlib.util
import os


def offscreen_requested(screenshot: object = None) -> bool:
    """True when a picture goes to a file or ``PYVISTA_OFF_SCREEN=true``."""
    return screenshot is not None or os.environ.get("PYVISTA_OFF_SCREEN", "").lower() == "true"


def quiet_vtk_display_warning() -> bool:
    """Show only VTK errors on stderr (no display warnings); False if VTK is absent."""
    if importlib.util.find_spec("vtkmodules") is None:
        return False
    from vtkmodules.vtkCommonCore import vtkLogger

    vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)
    return True
