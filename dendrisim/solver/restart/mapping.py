"""Dof vectors and mesh coordinates in the mesh's input ordering (rank-count independent).

A field is stored cell by cell: row ``i`` holds the dof values of the cell whose original
(input) index is ``i``, in the cell's local dof order.  A mesh built from the same input
(the same .msh file) on any number of ranks has the same cells with the same local vertex
order, so each rank takes the rows of its cells.  Coordinates are stored per input node.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core import parallel


def _cell_dofs(V) -> tuple[np.ndarray, np.ndarray]:
    """(original index of each local cell incl. ghosts, its unrolled dofs (cells x dofs))."""
    mesh = V.mesh
    tdim = mesh.topology.dim
    imap = mesh.topology.index_map(tdim)
    n = imap.size_local + imap.num_ghosts
    orig = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)[:n]
    blocks = np.asarray(V.dofmap.list)[: orig.size]
    bs = V.dofmap.bs
    dofs = (blocks[:, :, None] * bs + np.arange(bs)[None, None, :]).reshape(blocks.shape[0], -1)
    return orig, dofs


def gather_cells(V, array: np.ndarray, comm) -> np.ndarray | None:
    """A dof array of ``V`` (local incl. ghosts) as rows per input cell, on rank 0 (collective)."""
    orig, dofs = _cell_dofs(V)
    n_owned = V.mesh.topology.index_map(V.mesh.topology.dim).size_local
    return _on_root_in_input_order(orig[:n_owned], array[dofs[:n_owned]], comm)


def _on_root_in_input_order(index: np.ndarray, rows: np.ndarray, comm) -> np.ndarray | None:
    """Every rank's ``rows`` placed at their input ``index`` on rank 0 (collective)."""
    parts = parallel.gather_all((index, rows), comm)
    if not parallel.is_root(comm):
        return None
    values = np.concatenate([p[1] for p in parts])
    out = np.empty_like(values)
    out[np.concatenate([p[0] for p in parts])] = values
    return out


def scatter_cells(V, rows: np.ndarray, array: np.ndarray) -> None:
    """Fill ``array`` (dofs of ``V``) from rows per input cell.

    The dofs of this rank's owned cells are set (every owned dof is in one); the ghost
    dofs need a ``scatter_forward`` afterwards.
    """
    orig, dofs = _cell_dofs(V)
    imap = V.mesh.topology.index_map(V.mesh.topology.dim)
    if rows.shape != (imap.size_global, dofs.shape[1]):
        raise ValueError(f"checkpoint rows {rows.shape} do not fit this mesh and space")
    n = imap.size_local  # owned cells: every owned dof is in one
    array[dofs[:n]] = rows[orig[:n]]


def gather_nodes(mesh, comm) -> np.ndarray | None:
    """Mesh coordinates per input node (nodes x 3), on rank 0 (collective)."""
    n = mesh.geometry.index_map().size_local
    ig = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)[:n]
    return _on_root_in_input_order(ig, mesh.geometry.x[:n].copy(), comm)


def scatter_nodes(mesh, x: np.ndarray) -> None:
    """Set the mesh coordinates (every local node incl. ghosts) from coordinates per input node."""
    ig = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)
    if ig.size and ig.max() >= x.shape[0]:
        raise ValueError("checkpoint coordinates do not fit this mesh")
    mesh.geometry.x[: ig.size] = x[ig]
