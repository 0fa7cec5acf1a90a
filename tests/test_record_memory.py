"""The record's memory (rareearth.engine.record.BlockPool, Engine.run): batches write their
record into blocks that earlier batches gave back, never into one still in use; runs in a row
give identical results; a finished engine is freed without the garbage collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import rareearth as ree
from rareearth import examples, synthetic
from rareearth.engine import core, record


@pytest.fixture(scope="module")
def world() -> Any:
    return ree.load_network("world-2024")


@pytest.fixture(scope="module")
def batch(world: Any) -> list[Any]:
    return [synthetic.scenario(world, months=12, seed=s, validate=s == 0) for s in range(6)]


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector off: what is freed here is freed by reference counts."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _arrays(results: list[Any]) -> list[dict[str, np.ndarray]]:
    return [{k: v.copy() for k, v in r.arrays.items()} for r in results]


def _same(a: list[dict[str, np.ndarray]], b: list[dict[str, np.ndarray]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            np.testing.assert_array_equal(x[key], y[key], err_msg=key)


@pytest.mark.parametrize("kwargs", [{}, {"record": ("country",)},
                                    {"record": ("country", "demand", "shortfall"),
                                     "record_nodes": "end_use"}])
def test_runs_in_a_row_are_identical(world: Any, batch: list[Any], kwargs: dict[str, Any]) -> None:
    first = _arrays(ree.simulate_many(world, batch, **kwargs))
    for _ in range(3):  # the later runs write into the blocks the earlier ones gave back
        _same(first, _arrays(ree.simulate_many(world, batch, **kwargs)))


def test_a_result_is_not_overwritten_by_a_later_run(world: Any, batch: list[Any]) -> None:
    kept = ree.simulate_many(world, batch[:3])
    raw = kept[0]._batch.raw
    before = {k: v.copy() for k, v in raw.slots_in.items()}
    country = {k: v.copy() for k, v in raw.country.items()}
    stockpile = kept[1].arrays["stockpile"]  # a view of the record
    stockpile_before = stockpile.copy()
    expected = _arrays(kept)
    del kept  # only these views are left: they keep the block in use
    others = [synthetic.scenario(world, months=12, seed=s) for s in range(40, 43)]
    for _ in range(3):
        ree.simulate_many(world, others)
    for k, v in before.items():
        np.testing.assert_array_equal(raw.slots_in[k], v, err_msg=k)
    for k, v in country.items():
        np.testing.assert_array_equal(raw.country[k], v, err_msg=k)
    np.testing.assert_array_equal(stockpile, stockpile_before)
    _same(expected, _arrays(ree.simulate_many(world, batch[:3])))


def test_blocks_come_back_only_when_free(no_gc: None) -> None:
    pool = record.BlockPool(1 << 20)
    a = pool.take(1000)
    view = a[64:128].view(np.float64)
    del a
    assert pool.free == []  # a view keeps its block in use
    b = pool.take(1000)
    assert b.ctypes.data != view.ctypes.data - 64
    del view
    assert len(pool.free) == 1  # free again: the next record of its size reuses it
    c = pool.take(900)
    assert pool.free == []
    assert len(c) >= 900
    del b, c
    assert len(pool.free) == 2
    pool.take(1 << 21)  # too large for the pool's limit: not kept when freed
    assert len(pool.free) == 2
    pool.take(10)  # far smaller than every free block: a new one
    assert len(pool.free) == 2


def test_the_pool_keeps_at_most_its_limit(no_gc: None) -> None:
    pool = record.BlockPool(3 * 4096)
    blocks = [pool.take(4096) for _ in range(5)]
    del blocks
    assert sum(len(m) for m in pool.free) <= 3 * 4096


def test_a_finished_engine_is_freed(no_gc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    engines: list[weakref.ref[core.Engine]] = []
    run = core.Engine.run

    def watched(self: core.Engine) -> Any:
        engines.append(weakref.ref(self))
        return run(self)

    monkeypatch.setattr(core.Engine, "run", watched)
    net = examples.tiny()
    for allocation in ("proportional", "optimal"):
        res = ree.simulate_many(net, [examples.embargo(4), examples.embargo(6)],
                                allocation=allocation, parameters={"transit_months": 1.5})
        assert engines[-1]() is None, allocation  # no reference cycle keeps it
        assert res[0].arrays["shortfall"].shape[0] == 4


def test_a_batch_record_is_freed_with_its_results(world: Any, batch: list[Any],
                                                  no_gc: None) -> None:
    res = ree.simulate_many(world, batch[:2])
    block = weakref.ref(res[0]._batch.raw.price.base)
    assert block() is not None
    arrays = res[1].arrays
    del res
    assert block() is not None  # its stockpile is a view of the record
    del arrays
    assert block() is None
