"""Checkpoint and restart of a run (``output.checkpoint``, ``dendrisim run --resume``).

- :mod:`.mapping`: fields and mesh coordinates in the mesh's input ordering (cells by
  their original index, nodes by their input index), so a checkpoint does not depend on
  the number of ranks or on dolfinx's internal numbering;
- :mod:`.store`: one HDF5 file (h5py, written by rank 0 through a temporary file and a
  rename; the last two kept);
- :mod:`.state`: what a run's time loop is made of (time, step controller, observables'
  totals, events, remesh count, rows) captured and restored.

Layout and guarantees: docs/restart.md.
"""
