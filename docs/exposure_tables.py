"""Regenerate the tables of docs/exposure.md from the built-in data.

``.venv/bin/python docs/exposure_tables.py`` rewrites the part of docs/exposure.md between the
``tables:start`` and ``tables:end`` markers, so the numbers in the docs are always the model's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import rareearth as ree
from rareearth.scoring import WEIGHTS

DOC = Path(__file__).with_name("exposure.md")
DRAWS = 200


def _md(frame: pd.DataFrame, digits: int = 2) -> str:
    head = "| " + " | ".join([str(frame.index.name or "")] + [str(c) for c in frame.columns]) + " |"
    rule = "| --- " + "| ---: " * len(frame.columns) + "|"
    rows = []
    for label, row in frame.iterrows():
        cells = [f"{v:,.{digits}f}" if isinstance(v, float) else str(v) for v in row]
        rows.append("| " + " | ".join([str(label), *cells]) + " |")
    return "\n".join([head, rule, *rows])


def main() -> None:
    out: list[str] = []
    w24 = ree.load_network("world-2024")
    w09 = ree.load_network("world-2009")

    then = ree.exposure(w09, "china-2010", "JP")
    now = ree.exposure(w24, "china-2010", "JP")
    t = pd.DataFrame({"world-2009": then.components, "world-2024": now.components})
    t.loc["score"] = [then.score, now.score]
    t.index.name = "component"
    out += ["### Japan under `china-2010`: the 2009 network against today's", "",
            "The same 2010 episode replayed on the network of 2009 and on today's: the "
            "diversification since 2010 (Lynas, Mountain Pass, Vietnamese metal, smaller "
            "Chinese share of Japan's imports) shows in every component.", "", _md(t), ""]
    m = pd.DataFrame({"world-2009": then.metrics, "world-2024": now.metrics})
    m.index.name = "metric"
    out += [_md(m), ""]

    heavy = ree.exposure(w24, "china-2025-heavy", "JP")
    by = pd.DataFrame(heavy.by_material).T
    by = by[[c for c in WEIGHTS]]
    by["total"] = by.sum(axis=1)
    by.index.name = "material"
    dyn = [k for k in WEIGHTS if k != "structural"]
    share = by.loc["DyTb", dyn].sum() / by[dyn].to_numpy().sum()
    out += ["### Japan under `china-2025-heavy` (world-2024), by material", "",
            f"Score {heavy.score:.1f}. The structural component is the network's, not the "
            f"scenario's; of the points the scenario adds, DyTb carries {share:.0%}, and it has "
            "the deepest shortfall of any material "
            f"({heavy.material_metrics['DyTb']['peak_shortfall_pct']:.1f}% at its worst month).",
            "", _md(by), ""]

    table = ree.compare(w24, "china-2025-heavy", "JP", n=DRAWS, seed=0)
    cols = ["score", "delta", "cost_usd", "delta_per_busd", "p_beats_none", "delta_p05",
            "delta_p95", "peak_shortfall_pct", "price_peak_index"]
    shown = table[cols].copy()
    shown["cost_usd"] = shown["cost_usd"] / 1e9
    shown = shown.rename(columns={"cost_usd": "cost_busd"})
    out += ["### Options for Japan against `china-2025-heavy` (world-2024), ranked", "",
            f"Each option alone, in place when the scenario begins; {DRAWS} Monte Carlo draws "
            "(the same draws for every option) give the probability that it beats no option "
            "and the paired 5–95% range of its score change. `delta_per_busd` is points per "
            "billion USD (negative is better).", "", _md(shown), ""]

    scores = {}
    for scenario in ree.scenarios():
        row = {"none": ree.exposure(w24, scenario, "JP").score}
        for option in ree.options():
            row[option] = ree.exposure(w24, scenario, "JP", options=[option]).score
        scores[scenario] = row
    grid = pd.DataFrame(scores).T
    grid.index.name = "scenario"
    out += ["### Japan's score under each scenario and option (world-2024)", "", _md(grid, 1), ""]

    embargo = ree.load_scenario("japan-embargo").model_copy(update={"months": 30})
    rows = {}
    for months in (2, 3, 6, 9, 12, 18, 24):
        sc = embargo.scaled(duration=months / 12)
        base = ree.exposure(w24, sc, "JP")
        pile = ree.exposure(w24, sc, "JP", options=["stockpile-180d"])
        physical = ["shortfall_peak", "unmet_demand", "recovery_time", "stock_used"]
        damage = [sum(s.components[k] for k in physical) for s in (base, pile)]
        rows[f"{months} months"] = {
            "score none": base.score, "score stockpile": pile.score,
            "unmet months none": base.metrics["unmet_demand_months"],
            "unmet months stockpile": pile.metrics["unmet_demand_months"],
            "price peak none": base.metrics["price_peak_index"],
            "price peak stockpile": pile.metrics["price_peak_index"],
            "damage avoided": 1 - damage[1] / damage[0] if damage[0] > 0 else float("nan"),
        }
    emb = pd.DataFrame(rows).T
    emb.index.name = "embargo (CN→JP, all)"
    out += ["### The stockpile against embargoes of different lengths", "",
            "`stockpile-180d` against a full Chinese embargo on Japan lasting 2 to 24 months "
            "(30-month horizon). *Damage avoided* is the share of the physical points "
            "(shortfall peak, unmet demand, recovery time, stock used) that the stockpile "
            "removes. Against a short embargo nothing goes unmet even without it (firms hold "
            "about three months), and it spares their stocks; against a two-year embargo it "
            "only delays the shortfall, the least help of all. In between the model is not "
            "monotone: the national stockpile is released only for the shortfall above the "
            "dataset's threshold (10% of need), so the small shortfalls of 6–9-month embargoes "
            "stay uncovered, while around a year, when firms' stocks are gone, its release "
            "covers the cliff. It does not damp the price spike of a short embargo: firms draw "
            "their own stocks first (MODEL.md §3), and those draws are not market supply.",
            "", _md(emb), ""]

    text = DOC.read_text()
    block = "<!-- tables:start -->\n" + "\n".join(out) + "\n<!-- tables:end -->"
    text = re.sub(r"<!-- tables:start -->.*<!-- tables:end -->", lambda _: block, text,
                  flags=re.S)
    DOC.write_text(text)


if __name__ == "__main__":
    main()
