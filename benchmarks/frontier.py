"""The budget frontier's speed (issue 9): every portfolio of the built-in options on world-2024.

Run with ``.venv/bin/python benchmarks/frontier.py`` (``make bench`` runs it too). Prints the
wall time of the full frontier over the 8 built-in options (2^8 = 256 subsets; 129 distinct
portfolios once ``combined`` with anything is ``combined``) under ``china-2025-heavy`` for
Japan, with ``n=0`` in one process (target ≤ 10 s on one core) and with ``n=200`` Monte Carlo
draws on a 2-worker Dask LocalCluster (target ≤ 60 s on 2 cores) against the same frontier in
one process (issue 14: ≥ 1.8× with identical results, checked), measured in this one run, and
the load average before and after each, so a busy machine shows.
"""

from __future__ import annotations

import os
import sys
import time

import pandas as pd

import rareearth as ree

TARGET_N0_S = 10.0
TARGET_N200_S = 60.0
TARGET_DASK_SPEEDUP = 1.8  # 2 Dask workers over one process (issue 14)


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    net = ree.load_network("world-2024")
    sc = ree.load_scenario("china-2025-heavy")
    print(f"Frontier, world-2024, china-2025-heavy, JP, {len(ree.options())} options; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    ree.frontier(net, sc, "JP", options=["stockpile-180d"])  # warm caches and the compile
    start = time.perf_counter()
    f = ree.frontier(net, sc, "JP")
    t0 = time.perf_counter() - start
    print(f"n=0, one process: {t0:6.2f} s for {len(f.attrs['portfolios'])} portfolios "
          f"(target ≤ {TARGET_N0_S:.0f} s) {'met' if t0 <= TARGET_N0_S else 'MISSED'}")
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed not installed: pip install rareearth[distributed]")
        return
    # the same frontier in one process first (the calling process keeps Monte Carlo rows per
    # network: a fresh copy of the network, so nothing is served from that cache)
    local_net = ree.load_network("world-2024")
    load0 = _load()
    start = time.perf_counter()
    local = ree.frontier(local_net, sc, "JP", n=n)
    t_local = time.perf_counter() - start
    print(f"n={n}, one process: {t_local:6.2f} s (load {load0} -> {_load()})")
    environ = "distributed.nanny.pre-spawn-environ"
    with dask.config.set({f"{environ}.MALLOC_TRIM_THRESHOLD_": 2**28,
                          f"{environ}.OMP_NUM_THREADS": 1,
                          f"{environ}.OPENBLAS_NUM_THREADS": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        ree.monte_carlo(net, sc, "JP", n=20, seed=1, executor=client)  # warm the workers
        load0 = _load()
        start = time.perf_counter()
        g = ree.frontier(net, sc, "JP", n=n, executor=client)
        t1 = time.perf_counter() - start
    pd.testing.assert_frame_equal(local, g)
    speedup = t_local / t1
    print(f"n={n}, 2 Dask workers: {t1:6.2f} s, {len(g)} budgets "
          f"(target ≤ {TARGET_N200_S:.0f} s at n=200) {'met' if t1 <= TARGET_N200_S else 'MISSED'}; "
          f"load {load0} -> {_load()}")
    print(f"Dask speed-up {speedup:.2f}x (target ≥ {TARGET_DASK_SPEEDUP}) "
          f"{'met' if speedup >= TARGET_DASK_SPEEDUP else 'MISSED'} (identical results: checked)")


if __name__ == "__main__":
    main()
