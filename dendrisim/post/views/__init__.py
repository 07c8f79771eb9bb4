"""PyVista views (the only layer, with plotting, that imports pyvista)."""
