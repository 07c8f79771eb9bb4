"""Errors of remeshing (no dolfinx, no gmsh: the gmsh child process raises them too)."""

from __future__ import annotations

from dendrisim.core.errors import MeshError


class RemeshError(MeshError):
    """The current boundaries cannot be rebuilt into a mesh (self-touching region, gmsh)."""


class RebuildError(Exception):
    """The boundaries do not form a valid planar model (raised in the gmsh child)."""
