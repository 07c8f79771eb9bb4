"""Shared fixtures: MPI-safe temporary folders, the skip_in_parallel marker."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dendrisim.core import parallel

os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")


@pytest.fixture
def mpi_tmp_path():
    """A temporary folder made on rank 0 and broadcast: the same path on every rank."""
    path = parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-test-"))
    yield Path(path)
    parallel.barrier()
    if parallel.is_root():
        shutil.rmtree(path, ignore_errors=True)
    parallel.barrier()


def pytest_collection_modifyitems(config, items):
    """Skip tests marked skip_in_parallel when running on more than one rank."""
    if parallel.size() > 1:
        skip = pytest.mark.skip(reason="serial-only test (skip_in_parallel)")
        for item in items:
            if "skip_in_parallel" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _barrier_at_teardown():
    yield
    if parallel.size() > 1:
        # collect garbage on all ranks at the same point: PETSc objects destroyed by the
        # collector (collective calls) must not be destroyed at different times per rank
        gc.collect()
        parallel.barrier()
