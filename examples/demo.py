"""The main job end to end (``make demo``).

China's 2025 licensing of heavy rare earths and magnets, for Japan, on the world-2024 network:
Japan's dependence table, the exposure score with its components, the cooperation options
ranked, and a risk report with its figures written to ``out/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from rich.console import Console
from rich.table import Table

import rareearth as ree

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")


def _table(title: str, frame, digits: int = 2) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=title, title_justify="left")
    table.add_column(frame.index.name or "", style="bold")
    for column in frame.columns:
        table.add_column(str(column), justify="right", min_width=len(str(column)))
    for label, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f"{value:,.{digits}f}")
            else:
                cells.append(str(value))
        table.add_row(str(label), *cells)
    return table


def main() -> None:
    console = Console(width=max(Console().width, 140))
    net = ree.load_network("world-2024")
    scenario = ree.load_scenario("china-2025-heavy")
    country = "JP"
    console.print(f"[bold]{net.title}[/bold] ({len(net.node_ids)} nodes, {len(net.flows)} flows)")
    console.print(f"Scenario: {scenario.title}\n")

    dependence = ree.indicators.dependence_table(net, country)
    shown_dep = dependence.assign(
        consumption=dependence["consumption_tonnes_per_year"].round(0),
        mining_origin=dependence["top_mining_origin"] + " "
        + (100 * dependence["top_mining_share"]).round(0).astype(int).astype(str) + "%",
        separation_origin=dependence["top_separation_origin"] + " "
        + (100 * dependence["top_separation_share"]).round(0).astype(int).astype(str) + "%",
    )[["consumption", "import_reliance", "mining_origin", "separation_origin", "hhi_direct",
       "hhi_origin", "governance_hhi", "supply_risk"]]
    console.print(_table(
        f"{country}: dependence by material (t REO/yr; shares; HHI 0-1; EU supply risk 0-10)",
        shown_dep))

    score = ree.exposure(net, scenario, country)
    console.print(f"\n[bold]Exposure score of {country}: {score.score:.1f} / 100[/bold]")
    for sentence in score.explain():
        console.print(f"  {sentence}")
    console.print("  points by material: " + ", ".join(
        f"{m} {p:.1f}" for m, p in score.material_points().items() if p > 0.05))

    console.print(f"  harm {score.harm:.1f} points, resilience {score.resilience:.1f} points")

    ranking = ree.compare(net, scenario, country)
    shown = ranking[["harm_avoided_usd", "harm_avoided_per_busd", "cost_usd", "score", "delta",
                     "harm_delta", "resilience_delta"]].copy()
    for column in ("harm_avoided_usd", "cost_usd"):
        shown[column] = shown[column] / 1e6
    shown = shown.rename(columns={"harm_avoided_usd": "harm_avoided_musd", "cost_usd": "cost_musd",
                                  "harm_avoided_per_busd": "avoided_usd_per_busd"})
    console.print()
    console.print(_table(
        f"Cooperation options for {country}, ranked by harm avoided per dollar "
        "(options that avoid no harm last)", shown))

    frontier = ree.frontier(net, scenario, country)
    steps = frontier[["budget_usd", "options", "cost_usd", "harm_avoided_usd", "score"]].copy()
    for column in ("budget_usd", "cost_usd", "harm_avoided_usd"):
        steps[column] = steps[column] / 1e6
    console.print()
    console.print(_table(
        f"Budget frontier for {country}: the portfolio that avoids most harm per budget (USD m; "
        f"{len(frontier.attrs['portfolios'])} portfolios)", steps))

    OUT.mkdir(parents=True, exist_ok=True)
    result = ree.simulate(net, scenario)
    figures = {
        "network.png": lambda ax: ree.plot.network(net, ax=ax),
        "origins-DyTb.png": lambda ax: ree.plot.origins(net, country, "DyTb", ax=ax),
        "shortfall.png": lambda ax: ree.plot.shortfall(result, country, ax=ax),
        "options.png": lambda ax: ree.plot.compare(ranking, ax=ax),
    }
    for name, draw in figures.items():
        fig, ax = plt.subplots(figsize=(12, 7) if name == "network.png" else (9, 5.5))
        draw(ax)
        fig.savefig(OUT / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
    report = ree.report(net, scenario, country, options=ree.options(), path=OUT / "report.html")
    # the report ranks the options both ways ("had it been done", "decided when the shock
    # starts") and draws the frontier
    console.print(f"\nWrote {report} and {', '.join(figures)} to {OUT}/")


if __name__ == "__main__":
    main()
