"""Number formatting shared by the report and the plots."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite", "usd"]


def finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (missing, not a number, NaN or infinite)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def usd(value: Any, *, bn_digits: int = 2, missing: str = "–", dollar: str = "$") -> str:
    """US dollars: ``$1.25 bn``, ``$300 m`` or ``$4,500``; ``missing`` when not a finite number.

    ``dollar`` is the sign as the medium needs it (matplotlib wants ``\\$``).
    """
    x = finite(value)
    if x is None:
        return missing
    if abs(x) < 0.5:  # no "$-0" for a rounding-size negative
        x = 0.0
    sign, x = ("−", -x) if x < 0 else ("", x)  # −$4.01 bn, not $-4.01 bn
    if x >= 1e9:
        return f"{sign}{dollar}{x / 1e9:,.{bn_digits}f} bn"
    if x >= 1e6:
        return f"{sign}{dollar}{x / 1e6:,.0f} m"
    return f"{sign}{dollar}{x:,.0f}"
