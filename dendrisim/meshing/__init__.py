"""Meshes for the solver: loading (gmsh/.msh -> dolfinx), tagged bundles, 2D remeshing."""
