"""Your own dataset end to end: load, simulate, score, compare (see README.md in this folder).

Usage::

    python examples/custom_dataset/run.py [OUT] [-n N]

Loads the made-up dataset of this folder (validated on load), runs ``scenario.yaml`` for Japan,
prints the shortfall and the exposure score with and without ``option.yaml``, ranks the option
with ``N`` Monte Carlo draws (default 50), and writes ``shortfall-JP.png`` and
``compare.png`` into OUT (default ``out/custom``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import rareearth as ree

HERE = Path(__file__).resolve().parent
COUNTRY = "JP"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out/custom", type=Path, help="output folder")
    parser.add_argument("-n", "--draws", type=int, default=50, help="Monte Carlo draws")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    net = ree.load_network(HERE)  # a folder path: read and validated (ree.DataError if not)
    scenario = ree.load_scenario(HERE / "scenario.yaml")
    option = ree.load_option(HERE / "option.yaml")
    scenario.validate_for(net)  # every country, node and commodity it names exists
    print(f"{net.title}: {len(net.node_ids)} nodes, {len(net.flows)} flows")
    print(f"Scenario: {scenario.title}\n")

    print(ree.indicators.dependence_table(net, COUNTRY).round(3).to_string(), "\n")

    result = ree.simulate(net, scenario)
    shortfall = result.shortfall(COUNTRY)
    print(f"{COUNTRY} end-use shortfall, t/month (months with any):")
    print(shortfall[shortfall.sum(axis=1) > 0].round(1).to_string(), "\n")

    for options in ([], [option]):
        score = ree.exposure(net, scenario, COUNTRY, options=options)
        label = option.name if options else "no option"
        print(f"Exposure of {COUNTRY}, {label}: {score.score:.1f} / 100")
        for sentence in score.explain():
            print(f"  {sentence}")

    table = ree.compare(net, scenario, COUNTRY, options=[option], n=args.draws, seed=0)
    print()
    print(table[["score", "delta", "cost_usd", "delta_per_busd", "p_beats_none"]].round(3).to_string())

    ax = ree.plot.shortfall(result, COUNTRY)
    ax.figure.savefig(args.out / f"shortfall-{COUNTRY}.png", dpi=90, bbox_inches="tight")
    plt.close(ax.figure)
    fig, ax = plt.subplots(figsize=(9, 4))
    ree.plot.compare(table, ax=ax)
    fig.savefig(args.out / "compare.png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    print(f"\nWrote {args.out / f'shortfall-{COUNTRY}.png'} and {args.out / 'compare.png'}")


if __name__ == "__main__":
    main()
