"""Rank the built-in cooperation options for Japan under China's 2025 heavy-rare-earth licensing.

Usage::

    python examples/japan_options_2025.py [OUT] [-n N] [--seed S]

Runs ``ree.compare`` on ``world-2024`` against ``china-2025-heavy`` with every built-in option
and ``N`` Monte Carlo draws per option (default 200; the same draws for every option), prints
the ranking, and writes ``options-compare.png`` (``ree.plot.compare``) and
``options-distribution.png`` (``ree.plot.distribution``: the score of each option over the
draws) into OUT (default ``out/``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

import rareearth as ree

COUNTRY = "JP"


def draws_per_option(
    net: ree.SupplyNetwork, scenario: ree.Scenario, options: list[str], n: int, seed: int
) -> pd.DataFrame:
    """Monte Carlo draws of Japan's score, per option (``none`` = no option), same seed."""
    frames = []
    for name in ["none", *options]:
        chosen = [] if name == "none" else [name]
        draws = ree.monte_carlo(net, scenario, COUNTRY, n=n, seed=seed, options=chosen)
        frames.append(draws.assign(option=name))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", type=Path, help="output folder")
    parser.add_argument("-n", "--draws", type=int, default=200, help="Monte Carlo draws")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    net = ree.load_network("world-2024")
    scenario = ree.load_scenario("china-2025-heavy")
    options = ree.options()
    print(f"{scenario.title}\non {net.title}; country {COUNTRY}; {args.draws} draws per option\n")

    table = ree.compare(net, scenario, COUNTRY, options=options, n=args.draws, seed=args.seed)
    shown = table[["score", "delta", "cost_usd", "delta_per_busd", "p_beats_none", "p_top",
                   "score_p05", "score_p95"]].copy()
    shown["cost_usd"] = shown["cost_usd"] / 1e6
    shown = shown.rename(columns={"cost_usd": "cost_musd"})
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(shown.round(3).to_string())
    best = table.index[0]
    print(f"\nLowest score: {best} ({table.loc[best, 'score']:.1f} vs "
          f"{table.loc['none', 'score']:.1f} without options)")

    fig, ax = plt.subplots(figsize=(9, 5.5))
    ree.plot.compare(table, ax=ax)
    fig.savefig(args.out / "options-compare.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

    draws = draws_per_option(net, scenario, options, args.draws, args.seed)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    ree.plot.distribution(draws, ax=ax)
    fig.savefig(args.out / "options-distribution.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"\nWrote {args.out / 'options-compare.png'} and {args.out / 'options-distribution.png'}")


if __name__ == "__main__":
    main()
