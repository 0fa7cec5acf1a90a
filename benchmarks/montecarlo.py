"""Monte Carlo speed on this machine: in-process vs threads vs a local Dask cluster, and the CLI.

Run with ``.venv/bin/python benchmarks/montecarlo.py [N]`` (``make bench`` runs it too). All
three runs compute the same draws (the results are checked equal), in batches of
``BATCH`` draws: large tasks keep scheduling overhead small. Prints wall times, the time per
draw-month end to end (draws, batch construction, the month loop and scoring), speed-ups
and the CLI's ``montecarlo -n 10000`` and ``compare -n 1000``, each with its target and the
load average, measured in this one run.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import rareearth as ree

BATCH = 1000  # draws per task: large tasks keep scheduling overhead small
TARGET_US_PER_DRAW_MONTH = 15.0  # monte_carlo end to end, one process (issue 14)
TARGET_DASK_SPEEDUP = 1.8  # 2 Dask workers over one process
TARGET_CLI_S = {"montecarlo -n 10000": 5.0, "compare -n 1000": 10.0}


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _cli(label: str, args: list[str]) -> None:
    """Wall time of one CLI call in a fresh process (imports and all), against its target."""
    import subprocess

    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rareearth", *args], capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - start
    target = TARGET_CLI_S[label]
    status = _verdict(elapsed <= target) if done.returncode == 0 else f"FAILED (exit {done.returncode})"
    print(f"CLI {label:<24} {elapsed:8.2f} s (target ≤ {target:.0f} s) {status}; "
          f"load {os.getloadavg()[0]:.1f}")


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
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores: above ~1 someone else is using them)")
    base, t_local = _time("in process", lambda: ree.monte_carlo(
        net, sc, "JP", n=n, seed=0, batch_size=BATCH))
    per = 1e6 * t_local / (n * sc.months)
    print(f"  {per:.1f} µs per draw-month end to end ({n} draws × {sc.months} months; target ≤ "
          f"{TARGET_US_PER_DRAW_MONTH:.0f}) {_verdict(per <= TARGET_US_PER_DRAW_MONTH)}")
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
    speedup = t_local / t_dask
    print(f"speed-up vs in process: threads {t_local / t_threads:.2f}x, "
          f"Dask {speedup:.2f}x (target ≥ {TARGET_DASK_SPEEDUP}) {_verdict(speedup >= TARGET_DASK_SPEEDUP)} "
          f"(identical results: checked); load {os.getloadavg()[0]:.1f}")


def cli() -> None:
    common = ["--dataset", "world-2024", "--country", "JP"]
    _cli("montecarlo -n 10000", ["montecarlo", "china-2025-heavy", *common, "-n", "10000"])
    _cli("compare -n 1000", ["compare", "china-2025-heavy", *common, "-n", "1000"])


if __name__ == "__main__":
    main()
    cli()
