"""Checks of the country, material and stage an indicator is asked about.

Each raises :class:`~rareearth.errors.UnknownNameError` naming what exists, so that a typo
says how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rareearth.errors import UnknownNameError
from rareearth.protocols import NetworkLike

__all__ = ["ORIGIN_STAGES"]

#: Stages a tonne can be traced back to (of the default stages; a network's are every stage
#: but ``end_use``).
ORIGIN_STAGES: tuple[str, ...] = ("mining", "separation", "metal", "magnet")


def _check_country(net: NetworkLike, country: str) -> int:
    codes = net.country_codes
    if country not in codes:
        raise UnknownNameError(
            f"unknown country {country!r}: network {net.name!r} has {', '.join(codes)}"
        )
    return codes.index(country)


def _check_material(net: NetworkLike, material: str) -> None:
    if material not in net.material_ids:
        raise UnknownNameError(
            f"unknown material {material!r}: network {net.name!r} has {', '.join(net.material_ids)}"
        )


def _check_stage(net: NetworkLike, stage: str, allowed: Sequence[str]) -> int:
    """The index of ``stage`` in ``net.stages``, if it is one of ``allowed``."""
    if stage not in allowed:
        raise UnknownNameError(f"unknown stage {stage!r}: use one of {', '.join(allowed)}")
    return net.stages.index(stage)


def _check_query(
    net: NetworkLike, country: str, material: str, stage: str = "mining"
) -> tuple[int, int]:
    """Check a country, a material and an origin stage, in that order.

    Returns the country's index in ``net.country_codes`` and the stage's in ``net.stages``.
    """
    k = _check_country(net, country)
    _check_material(net, material)
    return k, _check_stage(net, stage, net.stages[:-1])
