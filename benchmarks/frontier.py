"""The budget frontier's speed (issue 9): every portfolio of the built-in options on world-2024.

Run with ``.venv/bin/python benchmarks/frontier.py`` (``make bench`` runs it too). Prints the
wall time of the full frontier over the 8 built-in options (2^8 = 256 subsets; 129 distinct
portfolios once ``combined`` with anything is ``combined``) under ``china-2025-heavy`` for
Japan, with ``n=0`` in one process (target ≤ 10 s on one core) and with ``n=200`` Monte Carlo
draws on a 2-worker Dask LocalCluster (target ≤ 60 s on 2 cores), measured in this one run, and
the load average so a busy machine shows.
"""

from __future__ import annotations

import os
import time

import rareearth as ree

TARGET_N0_S = 10.0
TARGET_N200_S = 60.0


def main() -> None:
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
    environ = "distributed.nanny.pre-spawn-environ"
    with dask.config.set({f"{environ}.MALLOC_TRIM_THRESHOLD_": 2**28,
                          f"{environ}.OMP_NUM_THREADS": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        ree.monte_carlo(net, sc, "JP", n=20, seed=1, executor=client)  # warm the workers
        start = time.perf_counter()
        g = ree.frontier(net, sc, "JP", n=200, executor=client)
        t1 = time.perf_counter() - start
    print(f"n=200, 2 Dask workers: {t1:6.2f} s, {len(g)} budgets "
          f"(target ≤ {TARGET_N200_S:.0f} s) {'met' if t1 <= TARGET_N200_S else 'MISSED'}")


if __name__ == "__main__":
    main()
