"""Fingerprint every recorded array of the engine, to show a refactor changes no result.

Runs both built-in datasets × every built-in scenario that fits the dataset × no option and each
built-in option that fits × both timings × both allocation modes, with ``record="all"``, and
writes one SHA-256 per recorded array (and per tidy flow table) to a JSON file. Run it before a
change and after, then compare::

    python benchmarks/fingerprint.py out/before.json
    python benchmarks/fingerprint.py out/after.json --compare out/before.json

``--compare`` prints every case whose arrays differ, with the largest absolute difference when
the ``.npz`` of the earlier run was kept (``--keep``), and exits 1 when any differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import rareearth as ree
from rareearth.errors import RareEarthError

MODES = ("proportional", "optimal")
TIMINGS = ("in_place", "from_start")


def _digest(value: np.ndarray) -> str:
    data = np.ascontiguousarray(value)
    h = hashlib.sha256(str((data.dtype.str, data.shape)).encode())
    h.update(data.tobytes())
    return h.hexdigest()


def _cases(quick: bool) -> list[tuple[str, str, str | None, str, str]]:
    cases = []
    for dataset in ree.datasets():
        for scenario in ree.scenarios():
            for option in (None, *ree.options()):
                for timing in TIMINGS if option else TIMINGS[:1]:
                    for mode in MODES:
                        if quick and option not in (None, "combined"):
                            continue
                        cases.append((dataset, scenario, option, timing, mode))
    return cases


def fingerprint(quick: bool = False, keep: Path | None = None) -> dict[str, dict[str, str]]:
    """One digest per recorded array, keyed ``dataset/scenario/option/timing/mode``."""
    out: dict[str, dict[str, str]] = {}
    kept: dict[str, np.ndarray] = {}
    nets = {name: ree.load_network(name) for name in ree.datasets()}
    for dataset, scenario, option, timing, mode in _cases(quick):
        key = f"{dataset}/{scenario}/{option or '-'}/{timing}/{mode}"
        try:
            opts = [ree.load_option(option)] if option else []
            res = ree.simulate(nets[dataset], scenario, opts, allocation=mode, record="all",
                               timing=timing)
        except RareEarthError as err:
            out[key] = {"error": type(err).__name__}
            continue
        digests = {name: _digest(arr) for name, arr in sorted(res.arrays.items())}
        flows = res.flows
        digests["flows"] = hashlib.sha256(
            flows.to_csv(index=False, float_format="%.17g").encode()
        ).hexdigest()
        out[key] = digests
        if keep is not None:
            for name, arr in res.arrays.items():
                kept[f"{key}|{name}"] = arr
    if keep is not None:
        np.savez_compressed(keep, **kept)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier fingerprint to compare with")
    parser.add_argument("--quick", action="store_true", help="only no option and 'combined'")
    parser.add_argument("--keep", action="store_true", help="also write the arrays (.npz)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    keep = args.output.with_suffix(".npz") if args.keep else None
    prints = fingerprint(args.quick, keep)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(prints, indent=1, sort_keys=True) + "\n")
    ran = sum("error" not in v for v in prints.values())
    print(f"{len(prints)} cases ({ran} ran) in {time.perf_counter() - started:.0f} s -> {args.output}")
    if args.compare is None:
        return 0
    before: dict[str, dict[str, str]] = json.loads(args.compare.read_text())
    old_arrays: Any = None
    npz = args.compare.with_suffix(".npz")
    if npz.exists():
        old_arrays = np.load(npz)
    differ = 0
    for key in sorted(set(before) | set(prints)):
        a, b = before.get(key), prints.get(key)
        if a == b:
            continue
        differ += 1
        if a is None or b is None:
            print(f"{key}: only in {'after' if a is None else 'before'}")
            continue
        names = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
        detail = []
        for name in names:
            if old_arrays is not None and keep is not None and f"{key}|{name}" in old_arrays.files:
                new = np.load(keep)[f"{key}|{name}"]
                old = old_arrays[f"{key}|{name}"]
                if old.shape == new.shape:
                    gap = np.nanmax(np.abs(old - new)) if old.size else 0.0
                    detail.append(f"{name} (max |Δ| {gap:.3g})")
                    continue
            detail.append(name)
        print(f"{key}: {', '.join(detail)}")
    print(f"{differ} of {len(prints)} cases differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
