"""The frontier's Monte Carlo on a Dask LocalCluster of 2 workers gives the in-process table.

(Monte Carlo itself on Dask: tests/test_ranking.py::test_monte_carlo_on_dask.)
"""

from __future__ import annotations

import pandas as pd
import pytest

import rareearth as ree


@pytest.mark.slow
def test_frontier_on_dask_is_the_local_frontier() -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    net = ree.load_network("world-2024")
    options = ["stockpile-180d", "recycling"]
    local = ree.frontier(net, "japan-embargo", "JP", options=options, n=8, seed=4)
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**28}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     scheduler_port=0, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        remote = ree.frontier(net, "japan-embargo", "JP", options=options, n=8, seed=4,
                              executor=client)
        # again on the same client: each of the frontier's Monte Carlo runs ships the network,
        # and a copy under a shared key that is being released must not be lost
        # (dask/distributed#8576, which failed CI once)
        again = ree.frontier(net, "japan-embargo", "JP", options=options, n=8, seed=4,
                             executor=client)
    pd.testing.assert_frame_equal(local, remote)
    pd.testing.assert_frame_equal(local, again)
    assert "p_beats_none" in local.columns
