"""Model uncertainty from a run's own parameter draws: the binned first-order shares recover a known
decomposition, an irrelevant parameter gets none, the range across the leading parameters matches the known
spread, and weights count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.uncertainty import bin_codes, first_order, parameter_uncertainty, weighted_percentiles


def synthetic(n: int = 40_000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """P(settlement | a) = a (a uniform on [0, 1]); b is noise. Var(E[x|a]) = 1/12, Var(x) = 1/4: S1(a) = 1/3."""
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(n)
    settled = rng.random(n) < a
    out = pd.DataFrame(
        {
            "replicate": np.arange(n),
            "outcome": np.where(settled, "settlement", "ongoing"),
            "params.negotiation.commitment_k": a,
            "params.costs.energy": b,
            "params.fixed": np.full(n, 0.3),
        }
    )
    return out, a


def test_first_order_shares_recover_a_known_decomposition() -> None:
    table, _a = synthetic()
    res = parameter_uncertainty(table)
    assert res is not None
    s = res["outcomes"]["settlement"]
    assert s["shares"]["params.negotiation.commitment_k"] == pytest.approx(1 / 3, abs=0.03)  # 10 bins: 0.33 x 0.99
    assert s["shares"]["params.costs.energy"] < 0.003
    assert [d["parameter"] for d in s["drivers"]] == ["params.negotiation.commitment_k"]
    assert s["drivers"][0]["source"]  # named with its source from sim.params
    assert "params.fixed" not in res["parameters"]  # not sampled: no column of draws
    # 5 equal-count bins of a hold P = 0.1, 0.3, ..., 0.9 at cumulative midpoints 0.1, ..., 0.9: p10 = 0.1, p90 = 0.9
    assert s["p10"] == pytest.approx(0.1, abs=0.02) and s["p90"] == pytest.approx(0.9, abs=0.02)
    assert s["p"] == pytest.approx(0.5, abs=0.01)


def test_an_outcome_no_parameter_decides_has_no_range() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    table = pd.DataFrame(
        {
            "outcome": np.where(rng.random(n) < 0.3, "settlement", "ongoing"),
            "params.costs.energy": rng.random(n),
            "params.costs.fiscal": rng.random(n),
        }
    )
    s = parameter_uncertainty(table)["outcomes"]["settlement"]  # type: ignore[index]
    assert s["drivers"] == [] and s["p10"] == s["p90"] == s["p"]


def test_weights_are_used() -> None:
    table, a = synthetic(20_000)
    table["weight"] = np.where(a > 0.5, 1.0, 0.0)  # condition on a > 0.5: P(settle) = 0.75
    s = parameter_uncertainty(table)["outcomes"]["settlement"]  # type: ignore[index]
    assert s["p"] == pytest.approx(0.75, abs=0.01)


def test_too_few_replicates_or_no_draws_gives_none() -> None:
    table, _ = synthetic(150)
    assert parameter_uncertainty(table) is None
    assert parameter_uncertainty(pd.DataFrame({"outcome": ["settlement"] * 500})) is None


def test_bins_are_equal_count_or_distinct_values() -> None:
    (codes,) = bin_codes(np.arange(100.0)[::-1], 10)
    assert np.bincount(codes).tolist() == [10] * 10 and codes[0] == 9
    (codes,) = bin_codes(np.array([3.0, 1.0, 3.0, 2.0]), 10)
    assert codes.tolist() == [2, 0, 2, 1]
    x = np.array([0, 1] * 50, dtype=float)
    assert first_order(np.arange(100) % 2, x, np.full(100, 0.01), 100) == pytest.approx(1.0, abs=0.02)
    assert weighted_percentiles(np.array([0.0, 1.0]), np.array([1.0, 1.0]), (0.25, 0.75)) == [0.0, 1.0]
