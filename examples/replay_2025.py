"""The 2025 episode: ``china-2025-heavy`` replayed on ``world-2024`` against the record.

Usage::

    python examples/replay_2025.py [--markdown]

Prints the tables of ``docs/validation-2025.md``: China's magnet exports by month (total and to
the US, the EU, Japan and Korea; model by month of shipment, as China's customs count them),
end users' magnet shortfall by country, price indices inside and outside China, and each
country's exposure score. The record is in ``../shared/reference/facts_2025_stocks.csv`` and
``rare_earth_facts.csv`` (China customs via Reuters, SMM, S&P Global, Ferroalloy Online).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import rareearth as ree
from rareearth.records import sector_of

#: China's magnet exports (HS 85051110), t, 2025, by month; None where not reported
RECORD_TOTAL = {4: 2627, 5: 1238, 6: 3188, 7: 5577, 8: 6146, 9: 5773, 10: 5473, 11: 6150,
                12: 5952}
RECORD_TO = {
    "US": {5: 46, 6: 353, 7: 619, 8: 590, 9: 420, 10: 656, 11: 582, 12: 564},
    "EU": {7: 1529, 8: 2821},  # SMM's Europe (Jul 2,140 t by Ferroalloy/SCMP)
    "JP": {7: 232, 9: 228, 10: 226, 11: 304, 12: 280},
    "KR": {9: 854, 10: 569},
}
JAN_OCT, FULL_YEAR, MEAN_2024 = 45290, 57392, 58152 / 12
COUNTRIES = ("JP", "US", "EU", "KR")


def magnet_exports(res: ree.SimulationResult) -> pd.DataFrame:
    """China's magnet exports (t/month) by month shipped and destination, with a total."""
    f = res.flows
    src = f["source"].str.split(":").str[0]
    tgt = f["target"].str.split(":").str[0]
    keep = (src == "CN") & (tgt != "CN") & (f["commodity"] == "magnet")
    table = f[keep].assign(to=tgt[keep]).pivot_table(index="month", columns="to",
                                                     values="tonnes", aggfunc="sum",
                                                     fill_value=0.0)
    table = table.reindex(res.periods, fill_value=0.0)
    table["total"] = table.sum(axis=1)
    return table


def magnet_shortfall(res: ree.SimulationResult, sector: str | None = None) -> pd.DataFrame:
    """Share of end users' magnet demand not met, by country and month."""
    ts = res.timeseries
    e = ts[(ts["stage"] == "end_use") & (ts["commodity"] == "magnet")]
    if sector is not None:
        e = e[e["node"].map(sector_of) == sector]  # named end users too (automotive-cn)
    g = e.groupby(["month", "country"])[["demand", "shortfall"]].sum()
    return (g["shortfall"] / g["demand"]).unstack().clip(lower=0.0) + 0.0


def prices(res: ree.SimulationResult) -> pd.DataFrame:
    a = res.arrays
    out = {}
    for c in ("DyTb", "magnet", "NdPr"):
        i = res.commodities.index(c)
        out[(c, "outside China")] = a["price"][:, i]
        out[(c, "inside China")] = a["price_domestic"][:, i]
    return pd.DataFrame(out, index=res.periods)


def tables() -> dict[str, pd.DataFrame]:
    net = ree.load_network("world-2024")
    sc = ree.load_scenario("china-2025-heavy")
    res = ree.simulate(net, sc)
    exports = magnet_exports(res)
    months = pd.period_range("2025-01", "2025-12", freq="M")
    rows = []
    for m in months:
        row: dict[str, object] = {"month": str(m), "model total": exports.loc[m, "total"],
                                  "record total": RECORD_TOTAL.get(m.month)}
        for c in COUNTRIES:
            row[f"model {c}"] = exports.loc[m, c]
            row[f"record {c}"] = RECORD_TO[c].get(m.month)
        rows.append(row)
    monthly = pd.DataFrame(rows).set_index("month")
    year = exports.loc["2025-01":"2025-12", "total"]
    totals = pd.DataFrame({
        "model": [year.loc["2025-01":"2025-10"].sum(), year.sum(), year.loc["2025-05"],
                  year.loc["2025-07"] / MEAN_2024],
        "record": [JAN_OCT, FULL_YEAR, 1238, 5577 / MEAN_2024],
    }, index=["Jan-Oct, t", "2025, t", "May, t", "July / 2024 mean month"])
    totals.index.name = "China's magnet exports"
    short = magnet_shortfall(res).loc["2025-04":"2025-08", list(COUNTRIES)]
    auto = magnet_shortfall(res, "automotive").loc["2025-04":"2025-08", list(COUNTRIES)]
    short.index = short.index.astype(str)
    auto.index = auto.index.astype(str)
    price = prices(res).loc["2025-04":"2025-12"]
    price.index = price.index.astype(str)
    price.columns = [f"{a} {b}" for a, b in price.columns]
    scores = {}
    for c in COUNTRIES:
        s = ree.exposure(net, sc, c)
        scores[c] = {"score": s.score, **s.components}
    score = pd.DataFrame(scores).T
    score.index.name = "country"
    return {"monthly": monthly, "totals": totals, "shortfall": short, "automotive": auto,
            "prices": price, "scores": score}


def _cell(v: object, digits: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (int, float, np.floating)):
        return f"{float(v):,.{digits}f}"
    return str(v)


def markdown(frame: pd.DataFrame, digits: int = 0) -> str:
    head = "| " + " | ".join([str(frame.index.name or "")] + [str(c) for c in frame.columns]) + " |"
    rule = "| --- " + "| ---: " * len(frame.columns) + "|"
    body = ["| " + " | ".join([str(i), *(_cell(v, digits) for v in row)]) + " |"
            for i, row in zip(frame.index, frame.itertuples(index=False), strict=True)]
    return "\n".join([head, rule, *body])


def main(argv: list[str]) -> None:
    t = tables()
    md = "--markdown" in argv
    digits = {"monthly": 0, "totals": 2, "shortfall": 3, "automotive": 3, "prices": 2,
              "scores": 1}
    for name, frame in t.items():
        print(f"\n{name}\n")
        print(markdown(frame, digits[name]) if md else frame.round(digits[name]).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
