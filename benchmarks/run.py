"""Engine benchmarks, measured in one run: throughput, peak memory, per-month overhead, ratios.

For each case (the ``world-2024`` dataset when it exists, and synthetic networks of 10^3, 10^4 and
10^5 nodes) a fresh subprocess builds the network and a batch of random restriction scenarios
(:func:`rareearth.synthetic.scenario`) and measures:

* ``simulate_many`` over the batch (default 100 scenarios × 120 months): wall time, throughput in
  scenario-months per second, and the time per simulated month of the whole batch, taken as
  ``(T(months) − T(1 month)) / (months − 1)`` so that the per-run setup is not counted; each T
  is the fastest of 3 runs (1 above 20,000 nodes), as the floor and the networkx loop are;
* peak memory of the process (``ru_maxrss``), after setup and after the engine;
* the **floor**: one ``scipy.sparse`` product per month of the (S × E) shipments by the
  (E × N·C) edge → (target, commodity) incidence matrix, the least work any month step does;
* the **networkx loop** of ``benchmarks/nx_reference.py`` (one scenario, one month: production,
  allocation with restriction cuts, receiving), per scenario-month.

It prints ``engine / floor`` (time per month of the batch over the floor's) and ``networkx /
engine`` (time per scenario-month). A last case times a 20-node network over 1,200 and 12 months
to get the engine's fixed overhead per month. Each child caps its address space (``--mem-gb``) so
that a case too big for the machine fails with ``MemoryError`` instead of waking the OOM killer.

Every case imports the code afresh, so measure a fixed revision (a checkout or ``git archive``
of one commit, with ``RAREEARTH_COMMIT`` set to its hash), not a tree that is being edited.

Usage::

    python benchmarks/run.py                      # everything (several minutes on 2 cores)
    python benchmarks/run.py --cases 1000 --scenarios 10 --months 24   # quick look
    python benchmarks/run.py --json out.json      # also write the numbers
    python benchmarks/run.py --cases 1000:all     # a case that records everything
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

TARGETS = {
    "engine_over_floor": 12.0,  # ≤ 12× the edge-level floor (aim 8×) at 10^4 nodes, 100 × 120
    "nx_over_engine": 300.0,  # ≥ 300× faster per scenario-month than the networkx loop (aim 500)
    "peak_gb": 4.0,  # < 4 GB at 10^4 nodes
    "overhead_ms": 1.0,  # < 1 ms per month
    "small_us_per_sm": 10.0,  # world-2024: ≤ 10 µs per scenario-month, whole call, S ≥ 100
    "call_over_loop": 1.3,  # the whole call within 1.3× of its month loop (10^4 nodes × 100)
    "huge_gb": 16.0,  # 10^6 nodes (a smaller batch, per-country record) within 16 GB
}
#: Engine runs per case (the spread is printed; figures use the fastest, as timeit does).
RUNS = 5


def _revision() -> str:
    """The code measured: ``$RAREEARTH_COMMIT`` (for a snapshot), else ``git describe``."""
    if os.environ.get("RAREEARTH_COMMIT"):
        return os.environ["RAREEARTH_COMMIT"]
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=HERE.parent,
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _best(fn: Callable[[], Any], repeat: int) -> float:
    """Least wall time of ``repeat`` calls (the usual timeit rule: noise only adds)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _network(case: str) -> Any:
    import rareearth as ree
    from rareearth import synthetic

    if case.isdigit():
        return synthetic.network(nodes=int(case), seed=0)
    return ree.load_network(case)


def _scenarios(net: Any, n: int, months: int) -> list[Any]:
    from rareearth import synthetic

    return [synthetic.scenario(net, months=months, seed=s, validate=s == 0) for s in range(n)]


#: What the engine records: ``auto`` is ``simulate_many``'s default (every per-node array when
#: that stays under 1 GB for the batch, else per-country aggregates only); ``end_use`` keeps
#: end-use demand and shortfall per node; ``all`` every per-node array and the flows (8 bytes ×
#: months × slots × scenarios per key).
RECORD: dict[str, dict[str, Any]] = {
    "auto": {},
    "end_use": {"record": ("demand", "shortfall"), "record_nodes": "end_use"},
    "all": {"record": "all"},
    "country": {"record": ("country",)},
}
_MODE = "auto"


def _simulate(net: Any, scenarios: list[Any]) -> Any:
    import rareearth as ree

    return ree.simulate_many(net, scenarios, seed=0, **RECORD[_MODE])


def _floor(net: Any, n_scenarios: int, months: int) -> dict[str, float]:
    """The two floors, each the fastest of 3 timings of ``months`` products:

    * edge level: one sparse mat-mat product per month of the (S × E) shipments by the
      (E × N·C) edge → (target node, commodity) incidence (the faster of ``X @ B`` and
      ``Bᵀ @ Xᵀ``);
    * node level: ``CSR(N × N) @ X(N × S)`` over the same edges (source → target, duplicates
      summed), X C-ordered: the least a month that moves goods along every edge can do.
    """
    cn = net.compile()
    e = cn.n_edges
    n_cols = cn.n_nodes * len(cn.commodities)
    cols = cn.edge_target * len(cn.commodities) + cn.edge_commodity
    incidence = sp.csr_matrix((np.ones(e), (np.arange(e), cols)), shape=(e, n_cols))
    incidence_t = incidence.T.tocsr()
    rng = np.random.default_rng(0)
    shipments = rng.random((n_scenarios, e)) * cn.edge_tonnes / 12.0  # (S, E)
    shipments_t = np.ascontiguousarray(shipments.T)  # (E, S)

    def month_a() -> None:  # (S × E) @ (E × NC)
        for _ in range(months):
            shipments @ incidence

    def month_b() -> None:  # (NC × E) @ (E × S), the same product transposed
        for _ in range(months):
            incidence_t @ shipments_t

    a = _best(month_a, 3) / months
    b = _best(month_b, 3) / months
    adjacency = sp.csr_matrix((np.ones(e), (cn.edge_target, cn.edge_source)),
                              shape=(cn.n_nodes, cn.n_nodes))
    adjacency.sum_duplicates()
    x = np.ascontiguousarray(rng.random((cn.n_nodes, n_scenarios)))  # (N, S), C-ordered

    def month_node() -> None:  # (N × N) @ (N × S)
        for _ in range(months):
            adjacency @ x

    node = _best(month_node, 3) / months
    return {"floor_s_per_month": min(a, b), "floor_a_s": a, "floor_b_s": b,
            "floor_columns": n_cols, "floor_node_s_per_month": node,
            "floor_node_nnz": int(adjacency.nnz)}


def _networkx(net: Any, scenario: Any, budget_s: float = 20.0) -> dict[str, float]:
    import nx_reference as nxr

    t = time.perf_counter()
    g = nxr.build_graph(net)
    build = time.perf_counter() - t
    levels = scenario.intensity().sum(axis=0) if scenario.events else np.zeros(scenario.months)
    month = int(np.argmax(levels))  # the month with the most restriction in force
    keep = nxr.restriction_keep(net, scenario, month)
    factors = nxr.capacity_factors(g, net, scenario, month)
    once = _best(lambda: nxr.step(g, keep, factors), 1)
    repeat = max(1, min(5, int(budget_s / max(once, 1e-9))))
    step = min(once, _best(lambda: nxr.step(g, keep, factors), repeat))
    return {"nx_s_per_scenario_month": step, "nx_build_s": build, "nx_month": float(month)}


def run_case(case: str, n_scenarios: int, months: int, with_nx: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"case": case if _MODE == "auto" else f"{case}:{_MODE}", "scenarios": n_scenarios, "months": months,
                           "record": _MODE}
    t = time.perf_counter()
    net = _network(case)
    out["build_s"] = time.perf_counter() - t
    cn = net.compile()
    out.update(nodes=cn.n_nodes, edges=cn.n_edges, commodities=len(cn.commodities))
    t = time.perf_counter()
    batch = _scenarios(net, n_scenarios, months)
    short = _scenarios(net, n_scenarios, 1)
    out["scenarios_s"] = time.perf_counter() - t
    _simulate(net, short[:2])  # warm-up: imports, caches
    out["rss_setup_mb"] = _rss_mb()

    # RUNS runs (the spread is printed), the fastest used, as for the floor and the networkx
    # loop; one run above 20,000 nodes
    repeats = RUNS if cn.n_nodes <= 20_000 else 1
    out["loadavg_start"] = os.getloadavg()[0]
    out["engine_repeats"] = repeats
    times = []
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        result = _simulate(net, batch)
        times.append(time.perf_counter() - t)
        out.setdefault("rss_engine_mb", _rss_mb())
        del result
    out["engine_s"] = min(times)
    out["engine_s_runs"] = times
    gc.collect()
    out["engine_1month_s"] = _best(lambda: _simulate(net, short), min(repeats, 3))
    per_month = (out["engine_s"] - out["engine_1month_s"]) / max(months - 1, 1)
    out["engine_s_per_month"] = per_month
    out["engine_s_per_month_runs"] = [(x - out["engine_1month_s"]) / max(months - 1, 1)
                                      for x in times]
    # the whole call over its month loop: setup (validation, structure, events, levers,
    # results) as a share of the work
    out["call_over_loop"] = out["engine_s"] / max(per_month * months, 1e-12)
    out["us_per_scenario_month"] = 1e6 * out["engine_s"] / (n_scenarios * months)
    out["scenario_months_per_s"] = n_scenarios * months / out["engine_s"]
    out["loadavg"] = os.getloadavg()[0]
    out["engine_s_per_scenario_month"] = per_month / n_scenarios

    out.update(_floor(net, n_scenarios, months))
    out["engine_over_floor"] = per_month / out["floor_s_per_month"]
    out["engine_over_node_floor"] = per_month / out["floor_node_s_per_month"]
    out["engine_total_over_floor"] = out["engine_s"] / (months * out["floor_s_per_month"])
    if with_nx:
        out.update(_networkx(net, batch[0]))
        out["nx_over_engine"] = out["nx_s_per_scenario_month"] / out["engine_s_per_scenario_month"]
        out["nx_over_engine_runs"] = [out["nx_s_per_scenario_month"] * n_scenarios / max(x, 1e-12)
                                      for x in out["engine_s_per_month_runs"]]
    out["rss_end_mb"] = _rss_mb()
    return out


def run_overhead(long_months: int = 1200, short_months: int = 12) -> dict[str, Any]:
    """Fixed cost per month: a 20-node network, one scenario, many months vs few."""
    from rareearth import synthetic

    net = synthetic.network(nodes=20, seed=0)
    long = [synthetic.scenario(net, months=long_months, seed=0, n_events=1)]
    short = [synthetic.scenario(net, months=short_months, seed=0, n_events=1)]
    _simulate(net, short)
    t_long = _best(lambda: _simulate(net, long), 3)
    t_short = _best(lambda: _simulate(net, short), 3)
    per_month = (t_long - t_short) / (long_months - short_months)
    return {"case": "overhead", "nodes": 20, "months": long_months, "t_long_s": t_long,
            "t_short_s": t_short, "overhead_ms_per_month": per_month * 1e3}


# ---------------------------------------------------------------------------- driver


def _child(args: argparse.Namespace) -> None:
    global _MODE
    case, _, mode = args.case.partition(":")
    _MODE = mode or args.record
    args.case = case
    limit = int(args.mem_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        if args.case == "overhead":
            result = run_overhead()
        else:
            result = run_case(args.case, args.scenarios, args.months, not args.no_nx)
    except MemoryError:
        result = {"case": args.case + ":" + _MODE, "error": f"MemoryError (address space capped at {args.mem_gb} GB)",
                  "rss_end_mb": _rss_mb()}
    print("RESULT " + json.dumps(result))


def _spawn(case: str, scenarios: int, months: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--case", case,
           "--scenarios", str(scenarios), "--months", str(months), "--mem-gb", str(args.mem_gb)]
    if args.no_nx:
        cmd.append("--no-nx")
    cmd += ["--record", args.record]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"case": case, "error": f"exit {proc.returncode}: " + " | ".join(tail)}
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    # the parent's view: the largest child so far (cases run from small to large)
    result["children_maxrss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


LEGEND = (
    "µs/sm: the whole simulate_many call per scenario-month",
    "ms/month: engine time per month of the whole batch, setup excluded",
    "floor ms: edge-level floor, one sparse (S×E)·(E×N·C) product per month",
    "eng/floor: ms/month over floor ms",
    "node fl: node-level floor, CSR(N×N) @ X(N×S) with X C-ordered; eng/node: ms/month over it",
    "call/loop: the whole call over months × ms/month (setup as a share of the work)",
    "nx ms/sm: the networkx loop per scenario-month; nx/eng: that over the engine's ms per "
    "scenario-month",
    "peak MB: ru_maxrss of the case's process after the engine (Python, pandas, the network "
    "included)",
    "load: 1-minute load average of the machine before → after the engine runs (2 cores: "
    "above ~1 someone else is using them)",
)


def _print(results: list[dict[str, Any]]) -> None:
    head = (f"{'case':>10} {'nodes':>7} {'edges':>7} {'S×T':>8} {'engine s':>9} {'µs/sm':>7} "
            f"{'ms/month':>9} {'floor ms':>9} {'eng/floor':>9} {'node fl':>8} {'eng/node':>8} "
            f"{'call/loop':>9} {'nx ms/sm':>9} {'nx/eng':>7} {'peak MB':>8} {'load':>9}")
    print(head)
    print("-" * len(head))
    for r in results:
        if "error" in r:
            print(f"{r['case']:>10}  FAILED: {r['error']}")
            continue
        if r["case"] == "overhead":
            print(f"{'overhead':>10} {r['nodes']:>7} {'':>7} {'1×' + str(r['months']):>8} "
                  f"{r['t_long_s']:>9.3f}   fixed cost per month: {r['overhead_ms_per_month']:.3f} ms")
            continue
        nx = r.get("nx_s_per_scenario_month")
        load = f"{r.get('loadavg_start', float('nan')):.1f}→{r['loadavg']:.1f}"
        print(
            f"{r['case']:>10} {r['nodes']:>7} {r['edges']:>7} "
            f"{str(r['scenarios']) + '×' + str(r['months']):>8} {r['engine_s']:>9.2f} "
            f"{r['us_per_scenario_month']:>7.1f} {r['engine_s_per_month'] * 1e3:>9.2f} "
            f"{r['floor_s_per_month'] * 1e3:>9.3f} {r['engine_over_floor']:>9.1f} "
            f"{r['floor_node_s_per_month'] * 1e3:>8.3f} {r['engine_over_node_floor']:>8.1f} "
            f"{r['call_over_loop']:>9.2f} "
            f"{(nx * 1e3 if nx else float('nan')):>9.2f} {r.get('nx_over_engine', float('nan')):>7.0f} "
            f"{r['rss_engine_mb']:>8.0f} {load:>9}"
        )
    print()
    for line in LEGEND:
        print(line)
    _print_spread(results)
    _print_targets(results)


def _print_spread(results: list[dict[str, Any]]) -> None:
    runs = [r for r in results if len(r.get("engine_s_runs", ())) > 1]
    if not runs:
        return
    print()
    print(f"spread of the {RUNS} engine runs of each case (min … median … max):")
    for r in runs:
        per = sorted(1e3 * x for x in r["engine_s_per_month_runs"])
        line = (f"  {r['case']:>10}: whole call {min(r['engine_s_runs']):.2f} … "
                f"{float(np.median(r['engine_s_runs'])):.2f} … {max(r['engine_s_runs']):.2f} s; "
                f"ms/month {per[0]:.2f} … {float(np.median(per)):.2f} … {per[-1]:.2f}")
        if "nx_over_engine_runs" in r:
            nx = sorted(r["nx_over_engine_runs"])
            line += f"; nx/eng {nx[0]:.0f} … {float(np.median(nx)):.0f} … {nx[-1]:.0f}"
        print(line)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _print_targets(results: list[dict[str, Any]]) -> None:
    """Every figure that has a target, with it."""
    by = {r["case"]: r for r in results if "error" not in r}
    lines = []
    small = by.get("world-2024")
    if small:
        v = small["us_per_scenario_month"]
        lines.append(f"world-2024 {small['scenarios']}×{small['months']}: {v:.1f} µs per "
                     f"scenario-month, whole call (target ≤ {TARGETS['small_us_per_sm']:.0f}) "
                     f"{_verdict(v <= TARGETS['small_us_per_sm'])}")
    big = by.get("10000")
    if big:
        v = big["engine_over_floor"]
        lines.append(f"10^4 nodes: engine / edge-level floor {v:.1f} (target ≤ "
                     f"{TARGETS['engine_over_floor']:.0f}, aim 8) {_verdict(v <= TARGETS['engine_over_floor'])}; "
                     f"engine / node-level floor {big['engine_over_node_floor']:.1f} (no target)")
        if "nx_over_engine_runs" in big:
            nx = big["nx_over_engine_runs"]
            lines.append(f"10^4 nodes: networkx / engine {min(nx):.0f} … {max(nx):.0f} over "
                         f"{len(nx)} runs (target ≥ {TARGETS['nx_over_engine']:.0f} in every run, "
                         f"aim 500) {_verdict(min(nx) >= TARGETS['nx_over_engine'])}")
        v = big["call_over_loop"]
        lines.append(f"10^4 nodes: whole call / month loop {v:.2f} (target ≤ "
                     f"{TARGETS['call_over_loop']}) {_verdict(v <= TARGETS['call_over_loop'])}")
        v = big["rss_engine_mb"] / 1024
        lines.append(f"10^4 nodes: peak {v:.2f} GB (target < {TARGETS['peak_gb']:.0f}) "
                     f"{_verdict(v < TARGETS['peak_gb'])}")
    for r in by.values():
        if r.get("nodes", 0) >= 1_000_000:
            v = r["rss_end_mb"] / 1024
            lines.append(f"{r['nodes']} nodes, {r['scenarios']}×{r['months']}, record "
                         f"{r['record']}: peak {v:.1f} GB (target ≤ {TARGETS['huge_gb']:.0f}) "
                         f"{_verdict(v <= TARGETS['huge_gb'])}")
    over = by.get("overhead")
    if over:
        v = over["overhead_ms_per_month"]
        lines.append(f"fixed cost per month {v:.3f} ms (target < {TARGETS['overhead_ms']:.0f}) "
                     f"{_verdict(v < TARGETS['overhead_ms'])}")
    if lines:
        print()
        print("targets:")
        for line in lines:
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="world-2024,1000,10000,100000")
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--big-scenarios", type=int, default=None,
                        help="scenarios for cases of 10^5 nodes and more (default: --scenarios)")
    parser.add_argument("--big-months", type=int, default=None)
    parser.add_argument("--mem-gb", type=float, default=12.0)
    parser.add_argument("--no-nx", action="store_true")
    parser.add_argument("--record", choices=sorted(RECORD), default="auto",
                        help="what the engine records (default: auto, as simulate_many)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    import rareearth as ree

    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    available = ree.datasets()
    results = []
    for case in cases:
        name = case.partition(":")[0]
        if not name.isdigit() and name not in available:
            print(f"skip {case}: not a built-in dataset yet ({', '.join(available) or 'none'})")
            continue
        big = name.isdigit() and int(name) >= 100_000
        scenarios = (args.big_scenarios or args.scenarios) if big else args.scenarios
        months = (args.big_months or args.months) if big else args.months
        print(f"running {case}: {scenarios} scenarios × {months} months ...", flush=True)
        results.append(_spawn(case, scenarios, months, args))
    print("running overhead ...", flush=True)
    results.append(_spawn("overhead", 1, 1, args))
    print()
    print(f"rareearth {ree.__version__} ({_revision()}), Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    _print(results)
    if args.json:
        meta = {"revision": _revision(), "date": time.strftime("%Y-%m-%d %H:%M"),
                "cpus": os.cpu_count(), "python": platform.python_version()}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))


if __name__ == "__main__":
    main()
