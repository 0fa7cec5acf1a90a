"""Monte Carlo speed-up on this machine: in-process vs threads vs a local Dask cluster.

Run with ``.venv/bin/python benchmarks/montecarlo.py [N]`` (``make bench`` runs it too). All
three runs compute the same draws (the results are checked equal), in batches of
``BATCH`` draws: large tasks keep scheduling overhead small. Prints wall times and speed-ups
measured in this one run.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import rareearth as ree

BATCH = 1000  # draws per task: large tasks keep scheduling overhead small


def _time(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {elapsed:8.2f} s")
    return out, elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    net = ree.load_network("world-2024")
    sc = ree.load_scenario("china-2025-heavy")
    print(f"Monte Carlo, world-2024, china-2025-heavy, JP: {n} draws, batches of {BATCH}, "
          f"{os.cpu_count()} cores")
    ree.monte_carlo(net, sc, "JP", n=BATCH, seed=1)  # warm caches (indicators, imports)
    base, t_local = _time("in process", lambda: ree.monte_carlo(
        net, sc, "JP", n=n, seed=0, batch_size=BATCH))
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded, t_threads = _time("2 threads", lambda: ree.monte_carlo(
            net, sc, "JP", n=n, seed=0, executor=pool, batch_size=BATCH))
    pd.testing.assert_frame_equal(base, threaded)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed not installed: pip install rareearth[distributed]")
        return
    # Dask's worker default MALLOC_TRIM_THRESHOLD_=65536 made numpy batches 3-5x slower; one
    # BLAS thread per worker process, so two workers do not oversubscribe two cores
    environ = "distributed.nanny.pre-spawn-environ"
    with dask.config.set({f"{environ}.MALLOC_TRIM_THRESHOLD_": 2**28,
                          f"{environ}.OMP_NUM_THREADS": 1,
                          f"{environ}.OPENBLAS_NUM_THREADS": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=":0") as cluster, Client(cluster) as client:
        ree.monte_carlo(net, sc, "JP", n=2 * BATCH, seed=1, executor=client, batch_size=BATCH)
        remote, t_dask = _time("Dask LocalCluster, 2 workers", lambda: ree.monte_carlo(
            net, sc, "JP", n=n, seed=0, executor=client, batch_size=BATCH))
    pd.testing.assert_frame_equal(base, remote)
    print(f"speed-up vs in process: threads {t_local / t_threads:.2f}x, "
          f"Dask {t_local / t_dask:.2f}x (identical results: checked)")


if __name__ == "__main__":
    main()
