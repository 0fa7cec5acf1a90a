"""Time 256 option portfolios (every subset of the 8 built-in options) under china-2025-heavy
on world-2024 in one ``simulate_many`` call with per-scenario option lists.

Scenarios share a batch unless their options edit the network (a relocation that creates an
end-use node) or the Leontief coefficients (substitution inside magnets), so the 256 runs go
through a few batches instead of 256.

    taskset -c 0 .venv/bin/python benchmarks/option_portfolios.py [--timing from_start] [--check 8]

CPU time is reported too: on a shared machine the wall time includes waiting for the core.

``--check N`` also runs N portfolios one by one and asserts equal results.
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

import rareearth as ree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timing", default="in_place", choices=["in_place", "from_start"])
    parser.add_argument("--check", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    net = ree.load_network("world-2024")
    sc = ree.load_scenario("china-2025-heavy")
    options = [ree.load_option(name) for name in ree.options()]
    portfolios = [list(combo) for r in range(len(options) + 1)
                  for combo in itertools.combinations(options, r)]
    assert len(portfolios) == 256
    ree.simulate(net, sc, record=("country",))  # compile kernels, cache the network
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        runs = ree.simulate_many(net, [sc] * len(portfolios), options=portfolios,
                                 record=("country",), timing=args.timing)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    batches = len({id(r._batch) for r in runs})
    print(f"{len(portfolios)} portfolios, {batches} batches, {sc.months} months, "
          f"timing={args.timing}: best {min(times):.2f} s wall, {min(cpu):.2f} s CPU of "
          f"{args.repeat} ({', '.join(f'{t:.2f}' for t in times)} s wall)")
    for i in np.linspace(0, len(portfolios) - 1, args.check).astype(int) if args.check else []:
        alone = ree.simulate(net, sc, portfolios[i], record=("country",), timing=args.timing)
        for key, arr in alone.arrays.items():
            np.testing.assert_allclose(runs[i].arrays[key], arr, rtol=1e-9, atol=1e-9,
                                       err_msg=f"portfolio {i}: {key}")
    if args.check:
        print(f"{args.check} portfolios checked against separate runs: equal")


if __name__ == "__main__":
    main()
