"""The benchmark's numpy-call counter (benchmarks/perf/numpy_calls.py): each entry into numpy from the model's
code counts once, calls numpy makes inside itself do not, and counting changes nothing the model computes."""

from __future__ import annotations

import types
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.perf.numpy_calls import count_numpy_calls

ROOT = Path(__file__).resolve().parent.parent


def toy_model() -> types.SimpleNamespace:
    """A model whose week makes exactly five entries into numpy."""
    m = types.SimpleNamespace(agents=[], front=np.zeros(8), rng=np.random.default_rng(1))

    def step() -> None:
        m.front += 0.1  # ufunc add (in place)
        ahead = np.where(m.front > 0.15, m.front, 0.0)  # ufunc greater, function where
        m.front = np.clip(ahead + m.rng.random(8) * 0.0, 0.0, 1.0)  # random, ufunc multiply, ufunc add, clip

    m.step = step
    return m


def test_every_entry_into_numpy_counts_once_and_nested_calls_do_not() -> None:
    by_kind, by_caller = count_numpy_calls(toy_model(), weeks=3)
    assert by_kind == Counter(
        {
            "ufunc add": 6,
            "ufunc greater": 3,
            "function where": 3,
            "random random": 3,
            "ufunc multiply": 3,
            "function clip": 3,  # clip calls minimum and maximum inside numpy: not counted
        }
    )
    assert by_caller == Counter({"(outside sim)": 21})


def test_counting_changes_nothing_the_model_computes() -> None:
    import sim
    from sim.model import PressureModel

    scenario = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", ["replicates=64"])
    plain, counted = PressureModel(scenario, 64, 0), PressureModel(scenario, 64, 0)
    for _ in range(3):
        plain.step()
    by_kind, by_caller = count_numpy_calls(counted, weeks=3)
    assert sum(by_kind.values()) > 3 * 100  # a week is a few hundred vectorised operations
    assert all(caller.startswith("sim/") or caller == "(outside sim)" for caller in by_caller)
    for name in ("front", "india_share", "buffer_ru", "escalation"):
        np.testing.assert_array_equal(np.asarray(getattr(counted, name)), np.asarray(getattr(plain, name)))
