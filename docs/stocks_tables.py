"""Regenerate the tables of docs/stocks.md from the built-in data.

``.venv/bin/python docs/stocks_tables.py`` rewrites the part of docs/stocks.md between the
``tables:start`` and ``tables:end`` markers: days of cover by country and stage (firms' stocks
and national stockpiles, world-2024 and world-2009), and the exposure score of each country
under ``china-2025-heavy`` with its own stocks as built, halved and removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import rareearth as ree

DOC = Path(__file__).with_name("stocks.md")
COUNTRIES = ("JP", "US", "EU", "KR", "CN", "ROW")


def _md(frame: pd.DataFrame, digits: int = 1) -> str:
    head = "| " + " | ".join([str(frame.index.name or "")] + [str(c) for c in frame.columns]) + " |"
    rule = "| --- " + "| ---: " * len(frame.columns) + "|"
    rows = []
    for label, row in frame.iterrows():
        cells = ["" if pd.isna(v) else f"{v:,.{digits}f}" if isinstance(v, float) else str(v)
                 for v in row]
        rows.append("| " + " | ".join([str(label), *cells]) + " |")
    return "\n".join([head, rule, *rows])


def cover(net: ree.SupplyNetwork) -> pd.DataFrame:
    """Days of use held, by country and stage: firms' stocks over what those nodes receive in a
    year (× 365), materials and magnets apart; national stockpiles over the country's use of
    the materials they hold (what its nodes receive of them)."""
    f = net.flows
    stocks = net.stocks.copy()
    stocks["country"] = stocks["node"].str.split(":").str[0]
    stocks["stage"] = stocks["node"].str.split(":").str[1]
    stocks["kind"] = stocks["commodity"].where(stocks["commodity"] == "magnet", "materials")
    received = f.groupby(["target", "commodity"])["tonnes_per_year"].sum()
    stocks["use"] = received.reindex(list(zip(stocks["node"], stocks["commodity"],
                                              strict=True))).to_numpy()
    g = stocks.groupby(["country", "stage", "kind"])[["stock_tonnes", "use"]].sum()
    days = (g["stock_tonnes"] / g["use"] * 365).unstack(["stage", "kind"])
    days.columns = [f"{s} {k}" for s, k in days.columns]
    order = [c for c in ("metal materials", "magnet materials", "end_use materials",
                         "end_use magnet") if c in days.columns]
    days = days[order]
    pile = net.stockpiles.groupby("country")["stock_tonnes"].sum()
    mats = net.stockpiles.groupby("country")["material"].apply(set)
    use = {}
    for c in pile.index:
        sel = (f["target_country"] == c) & f["commodity"].isin(mats[c])
        use[c] = f.loc[sel, "tonnes_per_year"].sum()
    days["stockpile"] = pd.Series({c: pile[c] / use[c] * 365 if use[c] else float("nan")
                                   for c in pile.index})
    days["stockpile t"] = pile
    days = days.reindex([c for c in COUNTRIES if c in days.index])
    days.index.name = "country"
    return days


def scaled(net: ree.SupplyNetwork, country: str, factor: float) -> ree.SupplyNetwork:
    """``net`` with ``country``'s firm stocks (and targets) and stockpiles × ``factor``."""
    stocks = net.stocks.copy()
    mine = stocks["node"].str.split(":").str[0] == country
    for col in ("stock_tonnes", "target_tonnes"):
        stocks.loc[mine, col] = stocks.loc[mine, col] * factor
    piles = net.stockpiles.copy()
    sel = piles["country"] == country
    for col in ("stock_tonnes", "release_tonnes_per_month"):
        piles.loc[sel, col] = piles.loc[sel, col] * factor
    return net.replace(stocks=stocks, stockpiles=piles)


def sensitivity(net: ree.SupplyNetwork, scenario: str) -> pd.DataFrame:
    rows = {}
    for c in ("JP", "US", "EU", "KR", "CN"):
        rows[c] = {f"stocks x{k:g}": ree.exposure(scaled(net, c, k), scenario, c).score
                   for k in (1.0, 0.5, 0.0)}
        rows[c]["stocks x2"] = ree.exposure(scaled(net, c, 2.0), scenario, c).score
    out = pd.DataFrame(rows).T
    out.index.name = "country"
    return out


def render() -> str:
    """docs/stocks.md with its tables as the model computes them now."""
    w24 = ree.load_network("world-2024")
    w09 = ree.load_network("world-2009")
    out = ["### Days of cover, world-2024", "",
           "Firms' stocks by stage (days of what those nodes receive; materials and magnets "
           "apart) and national stockpiles (days of the country's use of the materials they "
           "hold; tonnes in the last column).", "", _md(cover(w24)), "",
           "### Days of cover, world-2009", "", _md(cover(w09)), "",
           "### Score under `china-2025-heavy` (world-2024) with each country's own stocks "
           "scaled", "",
           "Each row scales only that country's firm stocks (and their targets) and stockpile.",
           "", _md(sensitivity(w24, "china-2025-heavy")), ""]
    text = DOC.read_text()
    return re.sub(r"(<!-- tables:start -->\n).*?(<!-- tables:end -->)",
                  lambda m: m.group(1) + "\n".join(out) + "\n" + m.group(2), text, flags=re.S)


def main() -> None:
    DOC.write_text(render())


if __name__ == "__main__":
    main()
