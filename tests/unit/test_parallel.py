"""Collectives: identical results on every rank, safe on empty local arrays."""

from __future__ import annotations

import numpy as np
import pytest

from dendrisim.core import parallel


@pytest.mark.mpi
def test_reductions_with_empty_local_arrays():
    n, r = parallel.size(), parallel.rank()
    local = np.arange(3.0) + r if r == 0 else np.array([])
    assert parallel.global_sum(local) == pytest.approx(3.0)
    assert parallel.global_max(local) == 2.0
    assert parallel.global_min(local) == 0.0
    assert parallel.global_sum(float(r)) == pytest.approx(n * (n - 1) / 2)
    assert parallel.global_any(r == n - 1)


@pytest.mark.mpi
def test_on_root_raises_everywhere():
    def bad():
        raise ValueError("root says no")

    with pytest.raises(ValueError, match="root says no"):
        parallel.on_root(bad)
    assert parallel.on_root(lambda: 42) == 42


@pytest.mark.mpi
def test_mpi_tmp_path_is_shared(mpi_tmp_path):
    paths = parallel.gather_all(str(mpi_tmp_path))
    assert len(set(paths)) == 1 and mpi_tmp_path.is_dir()
