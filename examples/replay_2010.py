"""The 2010 backtest: ``china-2010`` replayed on ``world-2009`` against the recorded history.

Usage::

    python examples/replay_2010.py [OUT] [--markdown]

Writes ``shortfall-JP.png`` (``ree.plot.shortfall``) and ``replay-2010.png`` (Japan's imports
from China by month, model vs Japan's Ministry of Finance; Japanese stocks; price indices vs
recorded prices) into OUT (default ``out/``) and prints the model-vs-history tables.
``--markdown`` prints them as Markdown (the tables of ``docs/validation.md``).

What is compared (``docs/validation.md`` explains each choice):

- Japan's imports from China = the model's flows of materials (t REO, magnets excluded: the MOF
  series counts rare-earth compounds and metals) from Chinese nodes into Japanese nodes, per
  month of arrival (shipped a month earlier: the dataset's transit), rerouted deliveries
  included.
- Japan's stocks = end-of-month stocks of materials at Japanese nodes, in months of baseline
  imports.
- Prices = the engine's price index P/P0 per material (1 = the 2009 baseline).

The built-in scenario runs Jan 2010 - Dec 2011. For the 2012 row the script also runs it
extended to Dec 2012 with China's 2012 quota (30,996 t), and, as a sensitivity, without the
2010 quota from July (the hold on Japan alone).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import rareearth as ree

COUNTRY = "JP"
SUPPLIER = "CN"
MAIN = ("NdPr", "DyTb", "LaCe")

#: Japan's imports of rare earths from China, t/month (Ministry of Finance via Reuters/SMM;
#: shared/reference/rare_earth_facts.csv, topic validation_2010).
HISTORY_FROM_CHINA = {
    "2010-09": 2246.0, "2010-10": 1278.0, "2010-11": 634.0, "2010-12": 4080.0,
    "2011-01": 1783.0, "2011-02": 1138.0, "2011-03": 1603.6,
}
#: China's share of Japan's monthly rare-earth imports (same source).
HISTORY_CHINA_SHARE = {"2010-09": 0.61, "2010-10": 0.68, "2010-11": 0.54}
#: Japan's total monthly rare-earth imports, t (Nov exact; Oct derived: 1,173 / (1 - 0.38)).
HISTORY_TOTAL = {"2010-10": 1890.0, "2010-11": 1173.0}
#: Yearly figures (facts topics japan_imports, china_export_quota, validation_2010); None: no
#: recorded figure. Japan's demand as an index: METI ~30,000 t (2010), 21,090 t (2011, derived
#: 14,470 / 0.686), 14,470 t (2012).
HISTORY_YEARLY = {
    "JP imports from CN, t": {2010: 23310.0, 2011: 15400.0, 2012: None},
    "JP imports from CN, Jan-Jun, t": {2010: None, 2011: None, 2012: 3007.0},
    "JP total imports, t": {2010: 28564.0, 2011: 22500.0, 2012: None},
    "CN share of JP imports": {2010: 0.8161, 2011: 0.6837, 2012: 0.58},
    "CN exports, Jan-Nov, t": {2010: 35000.0, 2011: 14750.0, 2012: None},
    "CN exports, t": {2010: None, 2011: None, 2012: 16265.0},
    "JP demand, index (2010 = 1)": {2010: 1.0, 2011: 21090 / 30000, 2012: 14470 / 30000},
}
HISTORY_YEARLY_NOTES = {
    ("JP imports from CN, t", 2011): "~15,400 (Nikkei, -34%)",
    ("JP imports from CN, Jan-Jun, t", 2012): "49.3% share, first time below half",
    ("JP total imports, t", 2011): "derived: 15,400 / 68.37%",
    ("CN share of JP imports", 2010): "MOF 81.6% (Reuters ~82%)",
    ("CN share of JP imports", 2012): "~58% (NHK)",
    ("JP demand, index (2010 = 1)", 2010): "METI ~30,000 t",
    ("JP demand, index (2010 = 1)", 2011): "21,090 t (derived)",
    ("JP demand, index (2010 = 1)", 2012): "14,470 t",
}
#: Recorded price multiples over Dec 2009 (facts topic prices): (month, material, low, high,
#: label). Nd metal ~100 USD/kg by Dec 2010, "more than triple a year earlier"; Ce oxide >10x;
#: year-end 2011 oxide midpoints over Dec 2009 FOB China.
HISTORY_PRICES = [
    ("2010-12", "NdPr", 3.0, None, "Nd metal >3x y/y"),
    ("2010-12", "LaCe", 10.0, None, "Ce oxide >10x"),
    ("2011-12", "NdPr", 195.0 / 21.0, None, "Nd oxide 195/21"),
    ("2011-12", "DyTb", 1410.0 / 118.0, None, "Dy oxide 1,410/118"),
    ("2011-12", "LaCe", 42.5 / 4.2, None, "Ce oxide 42.5/4.2"),
]
#: Recorded multiples per main material for the price table: (Dec 2010, 2011 peak, Dec 2011).
#: Dec 2010: Nd metal ~100 USD/kg, ">3x" a year earlier; Ce oxide ">10x" (lower bounds).
#: 2011 peaks (form unspecified): Nd ~450 USD/kg from ~20, Dy ~4,500 from ~150; Ce oxide
#: 54 USD/kg in late 2011 was a third of its peak four months earlier: ~162 / 4.2.
#: Dec 2011: year-end oxide midpoints over Dec 2009 FOB China (Nd 195/21, Dy 1,410/118,
#: Ce 42.5/4.2).
HISTORY_PRICE_TABLE = {
    "NdPr": (">3", "~22", 195.0 / 21.0),
    "DyTb": ("", "~30", 1410.0 / 118.0),
    "LaCe": (">10", "~39", 42.5 / 4.2),
}
HOLD = ("2010-09-21", "2010-11-20")


# ---------------------------------------------------------------------------- model series


def materials(net: ree.SupplyNetwork) -> list[str]:
    """Commodities that are materials (everything but magnets)."""
    return [c for c in net.commodities if c != "magnet"]


def imports_by_origin(res: ree.SimulationResult, country: str = COUNTRY) -> pd.DataFrame:
    """Materials (t REO/month) entering ``country``'s nodes from other countries, by origin and
    month of arrival (MOF books imports when they clear customs; the dataset's transit)."""
    flows = res.flows
    source = flows["source"].str.split(":").str[0]
    target = flows["target"].str.split(":").str[0]
    keep = (target == country) & (source != country) & (flows["commodity"] != "magnet")
    table = flows[keep].assign(origin=source[keep]).pivot_table(
        index="arrives", columns="origin", values="tonnes", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(res.periods, fill_value=0.0)


def stocks(res: ree.SimulationResult, country: str = COUNTRY) -> pd.Series:
    """End-of-month stocks of materials (t REO) at ``country``'s nodes."""
    ts = res.timeseries
    mine = ts[(ts["country"] == country) & (ts["commodity"] != "magnet")]
    return mine.groupby("month")["stock"].sum().reindex(res.periods)


def prices(res: ree.SimulationResult) -> pd.DataFrame:
    """Price index P/P0 per commodity and month."""
    return pd.DataFrame(res.arrays["price"], index=res.periods, columns=res.commodities)


def extended(scenario: ree.Scenario) -> ree.Scenario:
    """``scenario`` run to Dec 2012 with China's 2012 export quota (30,996 t, MOFCOM)."""
    data = scenario.to_dict()
    data["name"] = f"{scenario.name}-to-2012"
    data["months"] = 36
    data["events"].append({
        "type": "export_quota", "exporter": SUPPLIER, "commodities": ["materials"],
        "tonnes_per_year": 30996, "start": "2012-01", "end": "2012-12",
        "note": "2012 quota 30,996 t (MOFCOM via Lexology)",
    })
    return ree.Scenario.from_dict(data, source="replay_2010.extended")


def hold_only(scenario: ree.Scenario) -> ree.Scenario:
    """``scenario`` without the 2010 quota from July (the holds and the 2011 quota remain)."""
    data = scenario.to_dict()
    data["name"] = f"{scenario.name}-hold-only"
    data["events"] = [e for e in data["events"]
                      if not (e["type"] == "export_quota" and str(e["start"]).startswith("2010"))]
    return ree.Scenario.from_dict(data, source="replay_2010.hold_only")


# ---------------------------------------------------------------------------- tables


def monthly_table(res: ree.SimulationResult, baseline_imports: float) -> pd.DataFrame:
    """Sep 2010 - Mar 2011: model vs history, per month."""
    imp = imports_by_origin(res)
    total = imp.sum(axis=1)
    from_cn = imp.get(SUPPLIER, pd.Series(0.0, index=imp.index))
    stock = stocks(res)
    months = pd.period_range("2010-07", "2011-03", freq="M")
    rows = []
    for m in months:
        key = str(m)
        rows.append({
            "month": key,
            "model from CN, t": from_cn[m],
            "MOF from CN, t": HISTORY_FROM_CHINA.get(key, np.nan),
            "model CN share": from_cn[m] / total[m] if total[m] > 0 else np.nan,
            "MOF CN share": HISTORY_CHINA_SHARE.get(key, np.nan),
            "model total, t": total[m],
            "MOF total, t": HISTORY_TOTAL.get(key, np.nan),
            "model JP stock, months": stock[m] / baseline_imports,
        })
    return pd.DataFrame(rows).set_index("month")


def yearly_table(res_2012: ree.SimulationResult) -> pd.DataFrame:
    """2010-2012: model (the run extended to 2012) vs history, per year."""
    imp = imports_by_origin(res_2012)
    years = imp.index.year
    total = imp.sum(axis=1).groupby(years).sum()
    from_cn = imp[SUPPLIER].groupby(years).sum()
    h1 = imp[SUPPLIER][imp.index.month <= 6].groupby(years[imp.index.month <= 6]).sum()
    flows = res_2012.flows
    src = flows["source"].str.split(":").str[0]
    tgt = flows["target"].str.split(":").str[0]
    exports = flows[(src == SUPPLIER) & (tgt != SUPPLIER) & (flows["commodity"] != "magnet")]
    month = exports["month"].dt.month
    exported = exports.groupby(exports["month"].dt.year)["tonnes"].sum()
    jan_nov = exports[month <= 11].groupby(exports["month"][month <= 11].dt.year)["tonnes"].sum()
    ts = res_2012.timeseries
    end_use = ts[(ts["country"] == COUNTRY) & (ts["stage"] == "end_use")]
    demand = end_use.groupby(end_use["month"].dt.year)["demand"].sum()
    model = {
        "JP imports from CN, t": from_cn,
        "JP imports from CN, Jan-Jun, t": h1,
        "JP total imports, t": total,
        "CN share of JP imports": from_cn / total,
        "CN exports, Jan-Nov, t": jan_nov,
        "CN exports, t": exported,
        "JP demand, index (2010 = 1)": demand / demand[2010],
    }
    rows = []
    for label, hist in HISTORY_YEARLY.items():
        row: dict[str, object] = {"figure": label}
        for year in (2010, 2011, 2012):
            row[f"{year} model"] = model[label].get(year, np.nan)
            row[f"{year} recorded"] = hist[year] if hist[year] is not None else np.nan
        row["note"] = "; ".join(f"{y}: {n}" for (lab, y), n in HISTORY_YEARLY_NOTES.items()
                                if lab == label)
        rows.append(row)
    return pd.DataFrame(rows).set_index("figure")


def price_table(res: ree.SimulationResult) -> pd.DataFrame:
    """Price index per main material: Dec 2010, the 2010 peak (and month), Dec 2011."""
    p = prices(res)
    rows = []
    for m in MAIN:
        h2 = p.loc["2010-07":"2010-12", m]
        rows.append({
            "material": m,
            "Dec 2010": p.loc[pd.Period("2010-12", freq="M"), m],
            "peak 2010 H2": h2.max(),
            "peak month": str(h2.idxmax()),
            "peak 2011": p.loc["2011-01":"2011-12", m].max(),
            "Dec 2011": p.loc[pd.Period("2011-12", freq="M"), m],
            "recorded Dec 2010": HISTORY_PRICE_TABLE[m][0],
            "recorded peak 2011": HISTORY_PRICE_TABLE[m][1],
            "recorded Dec 2011": HISTORY_PRICE_TABLE[m][2],
        })
    return pd.DataFrame(rows).set_index("material")


# ---------------------------------------------------------------------------- output


def _cell(value: object) -> str:
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if value == 0:
            return "0"
        if abs(value) < 20:
            return f"{value:.2f}"
        return f"{value:,.0f}"
    return str(value)


def markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (index first)."""
    flat = frame.reset_index()
    lines = ["| " + " | ".join(map(str, flat.columns)) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (flat.shape[1] - 1)) + "|"]
    for _, row in flat.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def figure(res: ree.SimulationResult, res_2012: ree.SimulationResult,
           baseline_imports: float, path: Path, dpi: int = 90) -> Path:
    """Three panels: imports from China vs MOF, Japanese stocks, price indices vs history."""
    fig, axes = plt.subplots(3, 1, figsize=(8.0, 8.2), sharex=True,
                             height_ratios=[1.5, 0.8, 1.1])
    times = res_2012.periods.to_timestamp(how="start") + pd.Timedelta(days=14)
    hold = [pd.Timestamp(d) for d in HOLD]
    for ax in axes:
        ax.axvspan(hold[0], hold[1], color="#f4c7c3", alpha=0.6, lw=0)
        ax.axvspan(pd.Timestamp("2010-07-01"), pd.Timestamp("2010-12-31"), color="#eeeeee",
                   alpha=0.6, lw=0, zorder=0)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    imp = imports_by_origin(res_2012)
    ax = axes[0]
    ax.plot(times, imp[SUPPLIER], color="#c0392b", lw=1.8, marker="o", ms=3,
            label="model: from China (materials, t REO)")
    ax.plot(times, imp.drop(columns=SUPPLIER).sum(axis=1), color="#7f8c8d", lw=1.2,
            label="model: from elsewhere")
    hist = pd.Series(HISTORY_FROM_CHINA)
    ht = pd.PeriodIndex(hist.index, freq="M").to_timestamp(how="start") + pd.Timedelta(days=14)
    ax.plot(ht, hist.to_numpy(), color="black", lw=0, marker="s", ms=6,
            label="MOF: imports from China (t)")
    ax.axhline(23310 / 12, color="black", ls=":", lw=1.0, label="MOF 2010 monthly mean")
    ax.set_ylabel("t / month")
    ax.set_ylim(0, 5200)
    ax.set_title("Japan's rare-earth imports from China, 2010-2012: china-2010 on world-2009 "
                 "vs recorded history", fontsize=10, loc="left")
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", ncol=2)
    ax.text(pd.Timestamp("2011-01-10"), 4150, "hold on JP-bound shipments 21 Sep-20 Nov",
            fontsize=7, va="center", color="#a93226")

    ax = axes[1]
    ax.plot(times, stocks(res_2012) / baseline_imports, color="#2471a3", lw=1.6)
    ax.set_ylabel("JP stocks,\nmonths of imports")
    ax.set_ylim(bottom=0)

    ax = axes[2]
    p = prices(res_2012)
    colors = {"NdPr": "#8e44ad", "DyTb": "#d35400", "LaCe": "#16a085"}
    for m in MAIN:
        ax.plot(times, p[m], color=colors[m], lw=1.5, label=f"model {m}")
    for month, m, low, _, _label in HISTORY_PRICES:
        t = pd.Period(month, freq="M").to_timestamp(how="start") + pd.Timedelta(days=14)
        ax.plot([t], [low], marker="^" if month == "2010-12" else "D", ms=7, lw=0,
                color=colors[m], markeredgecolor="black")
    ax.plot([], [], marker="^", lw=0, color="white", markeredgecolor="black",
            label="recorded, Dec 2010 (lower bound)")
    ax.plot([], [], marker="D", lw=0, color="white", markeredgecolor="black",
            label="recorded, Dec 2011")
    ax.set_yscale("log")
    ax.set_ylabel("price index P/P0\n(log)")
    ax.legend(fontsize=7.5, frameon=False, ncol=2, loc="upper left")
    ax.set_ylim(0.8, 60)
    fig.text(0.01, 0.005, "Shaded: 2010 quota from July (grey), hold on Japan-bound shipments "
             "(red). 2012: the scenario extended with the 2012 quota.\nSources: Japan MOF via "
             "Reuters/SMM; prices: Dec 2009 FOB China, USGS year-end 2011 oxide ranges.",
             fontsize=6.5, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def main(argv: list[str]) -> None:
    as_markdown = "--markdown" in argv
    args = [a for a in argv if not a.startswith("--")]
    out = Path(args[0]) if args else Path("out")
    out.mkdir(parents=True, exist_ok=True)

    net = ree.load_network("world-2009")
    scenario = ree.load_scenario("china-2010")
    res = ree.simulate(net, scenario)
    res_2012 = ree.simulate(net, extended(scenario))
    res_hold = ree.simulate(net, hold_only(scenario))
    baseline_imports = float(imports_by_origin(res).iloc[0].sum())

    monthly = monthly_table(res, baseline_imports)
    yearly = yearly_table(res_2012)
    price = price_table(res)
    hold = pd.DataFrame({
        "model from CN, t": imports_by_origin(res)[SUPPLIER],
        "hold only (no 2010 quota), t": imports_by_origin(res_hold)[SUPPLIER],
        "MOF from CN, t": pd.Series(HISTORY_FROM_CHINA).set_axis(
            pd.PeriodIndex(list(HISTORY_FROM_CHINA), freq="M")),
    }).loc["2010-07":"2011-01"]
    hold.index = hold.index.astype(str)
    hold.index.name = "month"

    ax = ree.plot.shortfall(res, COUNTRY)
    ax.figure.savefig(out / f"shortfall-{COUNTRY}.png", dpi=90, bbox_inches="tight")
    plt.close(ax.figure)
    figure(res, res_2012, baseline_imports, out / "replay-2010.png")

    def show(frame: pd.DataFrame) -> str:
        return markdown(frame) if as_markdown else frame.to_string(float_format=_cell, na_rep="")

    print(f"{scenario.title} on {net.name}: Japan, model vs history\n")
    print("Monthly (materials, t REO; stock in months of baseline imports "
          f"{baseline_imports:,.0f} t/month)\n")
    print(show(monthly), "\n")
    print("Yearly (2012: the scenario extended with the 2012 quota)\n")
    print(show(yearly), "\n")
    print("Price index P/P0 (1 = 2009)\n")
    print(show(price), "\n")
    print("Sensitivity: without the 2010 quota from July\n")
    print(show(hold), "\n")
    print(f"Wrote {out / f'shortfall-{COUNTRY}.png'} and {out / 'replay-2010.png'}")


if __name__ == "__main__":
    main(sys.argv[1:])
