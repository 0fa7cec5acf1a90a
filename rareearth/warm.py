"""Compile the engine's kernels ahead of the first query: ``python -m rareearth.warm``.

numba compiles a kernel on its first call and caches the machine code on disk
(``cache=True``, beside the package). ``make``'s install step runs this module once, so that a
user's first ``make demo`` or query loads the cache instead of compiling for seconds. It runs
small simulations on both built-in datasets through the public API only: both allocation
modes, both option timings, options of every measure type, and a Monte Carlo batch.
"""

from __future__ import annotations

import time

__all__ = ["warm"]


def warm() -> float:
    """Run the warm-up simulations; return the seconds they took."""
    started = time.perf_counter()
    from rareearth.engine import simulate
    from rareearth.network import load_network
    from rareearth.ranking import compare, default_options, monte_carlo
    from rareearth.scenario import load_scenario

    # both datasets: their structures take different kernels (regional markets or not,
    # explicit edges or not)
    for dataset, name in (("world-2024", "japan-embargo"), ("world-2009", "china-2010")):
        net = load_network(dataset)
        scenario = load_scenario(name)
        every = default_options(net, "JP")[0]  # the built-ins that fit, as Japan's
        for allocation in ("proportional", "optimal"):
            for timing in ("in_place", "from_start"):
                simulate(net, scenario, allocation=allocation, timing=timing)
                simulate(net, scenario, options=every, allocation=allocation, timing=timing)
        monte_carlo(net, scenario, "JP", n=4, seed=0)
        compare(net, scenario, "JP", every[:2], n=2, seed=0)
    return time.perf_counter() - started


if __name__ == "__main__":  # pragma: no cover
    print(f"rareearth: engine kernels compiled and cached ({warm():.1f} s)")
