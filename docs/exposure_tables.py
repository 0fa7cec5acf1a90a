"""Regenerate the tables of docs/exposure.md from the built-in data.

``.venv/bin/python docs/exposure_tables.py`` rewrites the part of docs/exposure.md between the
``tables:start`` and ``tables:end`` markers, so the numbers in the docs are always the model's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import rareearth as ree
from rareearth.scoring import KINDS, WEIGHTS

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


def render() -> str:
    """docs/exposure.md with its tables as the model computes them now."""
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
    m = m.loc[[k for k in m.index if not k.startswith("units_lost_") and k not in (
        "value_added_lost_usd", "gdp_loss_usd_low", "gdp_loss_usd_high", "units_lost_owner",
        "output_lost_owner_usd", "months_to_first_loss")]]
    m.index.name = "metric"
    out += [_md(m), ""]

    heavy = ree.exposure(w24, "china-2025-heavy", "JP")
    by = pd.DataFrame(heavy.by_material).T
    by = by[[c for c in WEIGHTS]]
    by["total"] = by.sum(axis=1)
    by.index.name = "material"
    dyn = [k for k in WEIGHTS if KINDS[k] == "harm"]
    share = by.loc["DyTb", dyn].sum() / by[dyn].to_numpy().sum()
    out += ["### Japan under `china-2025-heavy` (world-2024), by material", "",
            f"Score {heavy.score:.1f} (harm {heavy.harm:.1f}, resilience {heavy.resilience:.1f}). "
            "The resilience components are the network's and its stocks', not the scenario's; "
            f"of the harm points, DyTb carries {share:.0%}, and it has "
            "the deepest shortfall of any material "
            f"({heavy.material_metrics['DyTb']['peak_shortfall_pct']:.1f}% at its worst month).",
            "", _md(by), ""]

    for scenario in ("china-2025-heavy", "japan-embargo"):
        for timing, question in (("in_place", "had it been done: every option in place when the "
                                  "shock begins"),
                                 ("from_start", "decided when the shock starts: each measure "
                                  "acts after its lead time and ramp")):
            table = ree.compare(w24, scenario, "JP", n=DRAWS, seed=0, timing=timing)
            cols = ["rank", "avoids_harm", "harm_avoided_usd", "harm_avoided_per_busd",
                    "cost_usd", "score", "delta", "harm_delta", "resilience_delta",
                    "p_avoids_harm", "harm_avoided_p05", "harm_avoided_p95"]
            shown = table[cols].copy()
            shown["avoids_harm"] = shown["avoids_harm"].map({True: "yes", False: "no"})
            for c in ("harm_avoided_usd", "cost_usd", "harm_avoided_p05", "harm_avoided_p95"):
                shown[c] = shown[c] / 1e6
            shown["harm_avoided_per_busd"] = shown["harm_avoided_per_busd"] / 1e6
            shown["rank"] = shown["rank"].astype(int).astype(str)
            shown = shown.rename(columns={
                "harm_avoided_usd": "harm avoided $m", "harm_avoided_per_busd": "$m per $bn",
                "cost_usd": "cost $m", "harm_avoided_p05": "avoided p05 $m",
                "harm_avoided_p95": "avoided p95 $m"})
            out += [f"### Options for Japan against `{scenario}` (world-2024), {timing}", "",
                    f"Each option alone, {question}. Ranked by harm avoided per dollar among "
                    "the options that avoid harm, then the rest by score. "
                    f"{DRAWS} Monte Carlo draws (the same for every option) give the share of "
                    "draws in which it avoids harm and the paired 5–95% range of the harm it "
                    "avoids.", "", _md(shown), ""]
        front = ree.frontier(w24, scenario, "JP", n=DRAWS, seed=0)
        steps = front[["budget_usd", "options", "cost_usd", "harm_avoided_usd", "score",
                       "score_p05", "score_p95", "p_beats_none"]].copy()
        for c in ("budget_usd", "cost_usd", "harm_avoided_usd"):
            steps[c] = steps[c] / 1e6
        steps = steps.set_index("budget_usd").rename(columns={
            "cost_usd": "cost $m", "harm_avoided_usd": "harm avoided $m"})
        steps.index.name = "budget $m"
        out += [f"### Budget frontier for Japan against `{scenario}` (world-2024, in place)", "",
                f"Every combination of the {len(ree.options())} built-in options "
                f"({len(front.attrs['portfolios'])} distinct portfolios; `combined` with anything "
                "is `combined`), each cost counted once; for each step of the frontier the "
                "portfolio that avoids most harm within the budget (the steps that avoid at least "
                "1% more of the loss without options), with the score's 5–95% band "
                f"over {DRAWS} draws.", "", _md(steps), ""]

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
        lost = [s.metrics["value_at_risk_usd"] for s in (base, pile)]
        rows[f"{months} months"] = {
            "score none": base.score, "score stockpile": pile.score,
            "unmet months none": base.metrics["unmet_demand_months"],
            "unmet months stockpile": pile.metrics["unmet_demand_months"],
            "price peak none": base.metrics["price_peak_index"],
            "price peak stockpile": pile.metrics["price_peak_index"],
            "harm avoided": 1 - lost[1] / lost[0] if lost[0] > 0 else float("nan"),
        }
    emb = pd.DataFrame(rows).T
    emb.index.name = "embargo (CN→JP, all)"
    out += ["### The stockpile against embargoes of different lengths", "",
            "`stockpile-180d` against a full Chinese embargo on Japan lasting 2 to 24 months "
            "(30-month horizon). *Harm avoided* is the share of the lost end-use value that "
            "the stockpile avoids. Against a short embargo it avoids nothing: firms hold about "
            "three months of materials, and what goes unmet (magnet users hold days, not "
            "months) stays below the release threshold, so the stockpile counts only as "
            "resilience (more cover left). Against a two-year embargo it only delays the "
            "shortfall. It does most against 12–18 months, when firms' own stocks are gone and "
            "its release covers the cliff: the national stockpile is released only for the "
            "shortfall above the dataset's threshold, so the small shortfalls of 3–9-month "
            "embargoes stay mostly uncovered. It does not damp the price spike of a short "
            "embargo: firms draw their own stocks first (MODEL.md §3), and those draws are not "
            "market supply.",
            "", _md(emb), ""]

    text = DOC.read_text()
    block = "<!-- tables:start -->\n" + "\n".join(out) + "\n<!-- tables:end -->"
    return re.sub(r"<!-- tables:start -->.*<!-- tables:end -->", lambda _: block, text,
                  flags=re.S)


def main() -> None:
    DOC.write_text(render())


if __name__ == "__main__":
    main()
