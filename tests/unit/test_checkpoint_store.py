"""The checkpoint store: one interface, the h5py back end here, adios4dolfinx where it works.

The PyPI route has no working adios4dolfinx (pip's 0.7.0; 0.11 needs an MPI-built ADIOS2,
issue 13), so its test skips here (``pytest.importorskip``) and runs on the conda route.
"""

from __future__ import annotations

import numpy as np
import pytest

from dendrisim.solver.restart import store

ARRAYS = {"x": np.arange(12.0).reshape(4, 3), "rows": np.array([[1.5, -2.0]]), "n": np.arange(3)}


def _round_trip(folder, expect):
    store.write(folder, {"time_s": 1.0, "a": [1, 2]}, ARRAYS)
    store.write(folder, {"time_s": 2.0, "a": [3]}, ARRAYS)
    path = store.latest(folder)
    assert path is not None and path.name == expect.name
    meta, arrays = store.read(path)
    assert meta["a"] == [3] and meta["format"] == store.FORMAT
    for k, v in ARRAYS.items():
        assert np.array_equal(arrays[k], v) and arrays[k].shape == v.shape, k
    assert store.read_meta(folder / expect.previous)["time_s"] == 1.0
    assert not (folder / (expect.name + ".tmp")).exists()


def test_h5py_back_end_when_adios4dolfinx_does_not_work(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "_adios4dolfinx_works", lambda: False)
    assert store.backend() is store.H5pyStore
    _round_trip(tmp_path, store.H5pyStore)


def test_adios4dolfinx_back_end_where_it_works(tmp_path):
    pytest.importorskip("adios4dolfinx")
    if not store._adios4dolfinx_works():
        pytest.skip("adios4dolfinx imports but does not work here (serial ADIOS2?)")
    assert store.backend() is store.Adios4dolfinxStore
    _round_trip(tmp_path, store.Adios4dolfinxStore)


def test_latest_takes_the_newest_of_either_back_end(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "_adios4dolfinx_works", lambda: False)
    store.write(tmp_path, {"time_s": 3.0}, ARRAYS)
    (tmp_path / store.PREVIOUS).write_bytes(b"cut")  # a damaged older one is passed over
    assert store.latest(tmp_path) == tmp_path / store.NAME
    (tmp_path / store.NAME).write_bytes(b"cut")
    assert store.latest(tmp_path) is None


def test_a_3d_remesh_report_goes_into_the_checkpoint_metadata_as_json():
    """A 3D remesh report holds its rank's removed-cell rows (an array): the checkpoint's
    JSON metadata leaves them out (json.dumps raised TypeError on every 3D remesh)."""
    import json

    import numpy as np

    from dendrisim.meshing.remesh.remesher import RemeshReport
    from dendrisim.solver.restart.state import report_state

    rep = RemeshReport(10, 12, {"lithium": 1e-8}, None, li_removed_cells=np.zeros((3, 4)))
    meta = report_state(rep)
    assert "li_removed_cells" not in meta
    back = RemeshReport(**json.loads(json.dumps(meta)))
    assert back.cells_after == 12 and back.area_change == {"lithium": 1e-8}
