"""Bounds on what ``rareearth`` reads and runs, so that no input can exhaust memory or time.

Every limit is far above anything the built-in data or a real study needs, and each is checked
where the input is read, with an error that names the file or field and the limit:

* quantities (t/yr, t, t/month) at most :data:`MAX_TONNES`, 10^9 t: world rare-earth mine output
  was about 390,000 t REO in 2024 (USGS MCS 2025), so the bound is ~2,500 times that;
* prices and values at most :data:`MAX_USD_PER_TONNE`, 10^9 USD/t: the dearest oxide (Tb4O7)
  has traded near 10^6 USD/t, so the bound is ~1,000 times that;
* money at most :data:`MAX_USD`, 10^15 USD (about ten years of world GDP);
* horizons, ramps and lead times at most :data:`MAX_MONTHS`, 1,200 months (a century), and every
  date within :data:`FIRST_YEAR` … :data:`LAST_YEAR` (pandas' timestamps end in 2262);
* multipliers (shock factors, Monte Carlo scales) at most :data:`MAX_FACTOR`, 100;
* Monte Carlo draws at most :data:`MAX_DRAWS`, 10^6 per call (each draw keeps a row of ~30
  numbers and a scaled scenario; 10^6 draws is ~1 GB);
* a scenario or option file at most :data:`MAX_DOCUMENT_BYTES` (1 MiB; the built-ins are under
  10 KiB), nested at most :data:`MAX_DEPTH` levels, expanding (YAML aliases included) to at
  most :data:`MAX_NODES` values;
* a dataset's ``datapackage.json`` at most :data:`MAX_PACKAGE_BYTES` and each table at most
  :data:`MAX_TABLE_BYTES`.

Every number a document or dataset gives must also be finite (no NaN, no infinity).
"""

from __future__ import annotations

import operator
from typing import Any

from rareearth.errors import ArgumentError

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_DRAWS",
    "MAX_FACTOR",
    "MAX_MONTHS",
    "MAX_NODES",
    "MAX_PACKAGE_BYTES",
    "MAX_TABLE_BYTES",
    "MAX_TONNES",
    "MAX_USD",
    "MAX_USD_PER_TONNE",
    "check_count",
]

MAX_TONNES = 1e9
MAX_USD_PER_TONNE = 1e9
MAX_USD = 1e15
MAX_MONTHS = 1200
FIRST_YEAR = 1900
LAST_YEAR = 2200
MAX_FACTOR = 100.0
MAX_DRAWS = 1_000_000
MAX_DOCUMENT_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_PACKAGE_BYTES = 16 << 20
MAX_TABLE_BYTES = 512 << 20


def check_count(value: Any, name: str, *, low: int, high: int) -> int:
    """``value`` as an int within ``low … high``, else :class:`ArgumentError` naming ``name``.

    Examples
    --------
    >>> check_count(5, "n", low=1, high=10)
    5
    >>> check_count(-5, "n", low=1, high=10)
    Traceback (most recent call last):
    ...
    rareearth.errors.ArgumentError: n: must be an integer from 1 to 10 (got -5)
    """
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None or not low <= number <= high:
        raise ArgumentError(f"{name}: must be an integer from {low:,} to {high:,} (got {value!r})")
    return number
