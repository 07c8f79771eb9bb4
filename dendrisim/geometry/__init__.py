"""Geometry (gmsh only, no dolfinx): shapes, layouts, OpenCASCADE bodies, sizing, meshing.

Entry point: :func:`dendrisim.geometry.generator.generate`. See docs/architecture.md.
"""
