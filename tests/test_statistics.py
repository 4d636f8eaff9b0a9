"""Issue 16's statistics, checked against the peers: PRIM peels and pastes as EMA Workbench does (on data sets
whose boxes can be worked out by hand), sweep metric intervals have their coverage at small counts (by
simulation), PIT and band membership tie at the stored float32 precision, CRPS is never negative."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.observe.scoring import crps_sample, pit, stored
from sim.plots.discovery import _paste_candidates, _peel_candidates, _quantile, prim
from sim.sweep.metrics import MIN_MEDIAN_N, mean_interval, median_interval, median_ranks

# ---- PRIM ---------------------------------------------------------------------------------------------------


def test_quantile_is_sdtoolkits_midpoint_moved_past_ties() -> None:
    v = np.arange(39.0)
    assert _quantile(v, 0.05) == 1.5  # position 1.9: between the 2nd and 3rd values
    assert _quantile(v, 0.95) == 36.5  # position 36.1
    assert _quantile(np.array([0.0, 0, 0, 1, 1]), 0.05) == 0.5  # ties: moved up to the next distinct value
    assert _quantile(np.array([0.0, 0, 1, 1, 1]), 0.95) == 0.5  # and down at the upper end
    assert _quantile(np.arange(21.0), 0.05) == 1.5  # an integer position (1.0) moves past its own value


def test_a_peel_removes_about_ceil_alpha_m_points() -> None:
    """39 points: EMA Workbench peels 2 (floor((m - 1) alpha) + 1), not floor(alpha m) = 1."""
    x = pd.DataFrame({"a": np.arange(39.0)})
    res = prim(x, x["a"].to_numpy() >= 20)
    first = res.trajectory[1]
    assert first.limits["a"] == (1.5, 38.0) and round(first.mass * 39) == 37
    for m in (20, 39, 40, 100, 1000):
        cands = _peel_candidates(
            np.arange(float(m))[:, None], ["a"], [False], np.ones(m, bool), {"a": (0, m - 1)}, 0.05
        )
        removed = [m - int(members.sum()) for _, members in cands]
        assert removed == [math.floor((m - 1) * 0.05) + 1] * 2


def test_prim_on_a_line_gives_the_box_worked_out_by_hand() -> None:
    """x = 0..99, of interest x >= 80. Peeling from below removes 5, 5, 5, 5, 4, 4, 4, 4, 4, 3 (x6), 2 (x8)
    points; at 21 points the position (20 x 0.05 = 1) is an integer, so the peel moves past x = 80 to the
    midpoint 80.5 and removes 79 and 80 (the share still rises, 20/21 to 19/19). Then no peel raises the
    share and no paste either: the box is [80.5, 99] with coverage 19/20, density 1, mass 0.19."""
    x = pd.DataFrame({"a": np.arange(100.0)})
    res = prim(x, x["a"].to_numpy() >= 80)
    assert len(res.trajectory) == 27
    box = res.trajectory[res.chosen]
    assert box.limits == {"a": (80.5, 99.0)}
    assert (box.coverage, box.density, box.mass) == (0.95, 1.0, 0.19)
    assert res.box.limits == {"a": (80.5, 99.0)}


def test_paste_candidates_widen_to_the_quantile_of_the_points_outside() -> None:
    values = np.arange(10.0)[:, None]
    cands = _paste_candidates(values, ["a"], [False], {"a": (4.5, 9.0)}, {"a": (0.0, 9.0)}, 0.05)
    (lower, in_lower), (upper, in_upper) = cands
    assert lower == {"a": (3.5, 9.0)} and in_lower.sum() == 6  # 0..4 outside: quantile 0.95 at 3.8 -> 3.5
    assert upper == {"a": (4.5, 9.0)} and in_upper.sum() == 5  # nothing above: unchanged


def test_pasting_grows_the_box_and_raises_its_density() -> None:
    rng = np.random.default_rng(19)
    x = pd.DataFrame(rng.random((100, 2)), columns=["a", "b"])
    threshold = 1.0 + rng.random() * 0.5
    y = x["a"].to_numpy() + x["b"].to_numpy() > threshold
    res = prim(x, y)
    masses = [b.mass for b in res.trajectory]
    pastes = [i for i in range(1, len(masses)) if masses[i] > masses[i - 1]]
    assert pastes, "this data set was chosen because a paste is taken"
    for i in pastes:
        before, after = res.trajectory[i - 1], res.trajectory[i]
        assert after.density > before.density
        for c, (lo, hi) in before.limits.items():
            assert after.limits[c][0] <= lo and after.limits[c][1] >= hi


# ---- sweep metric intervals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n, ranks", [(5, None), (6, (1, 6)), (10, (2, 9)), (20, (6, 15)), (100, (40, 61))])
def test_median_ranks_are_the_exact_binomial_ones(n: int, ranks: tuple[int, int] | None) -> None:
    assert median_ranks(n) == ranks
    if ranks is not None:
        lo = ranks[0]
        assert 1 - 2 * stats.binom.cdf(lo - 1, n, 0.5) >= 0.95  # covers
        assert 1 - 2 * stats.binom.cdf(lo, n, 0.5) < 0.95  # and is the narrowest that does


def test_too_few_values_give_no_interval() -> None:
    for n in range(1, MIN_MEDIAN_N):
        est, lo, hi = median_interval(np.arange(float(n)))
        assert est == np.median(np.arange(float(n))) and math.isnan(lo) and math.isnan(hi)
    est, lo, hi = mean_interval(np.array([3.0]))
    assert est == 3.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in median_interval(np.array([])))


@pytest.mark.parametrize("n", [6, 7, 10, 25])
def test_median_interval_covers_at_least_95_percent(n: int) -> None:
    """By simulation, on a skewed continuous distribution (the interval is distribution-free)."""
    rng = np.random.default_rng(n)
    trials = 4000
    true_median = math.log(2)  # of Exp(1)
    hits = 0
    for sample in rng.exponential(size=(trials, n)):
        _, lo, hi = median_interval(sample)
        hits += lo <= true_median <= hi
    exact = 1 - 2 * stats.binom.cdf(median_ranks(n)[0] - 1, n, 0.5)
    assert hits / trials == pytest.approx(exact, abs=3.5 * math.sqrt(exact * (1 - exact) / trials))
    assert exact >= 0.95


@pytest.mark.parametrize("n", [2, 3, 5, 30])
def test_mean_interval_covers_95_percent(n: int) -> None:
    """Student's t interval on normal data: 95% at every n (1.96 gave 70% at n = 2)."""
    rng = np.random.default_rng(100 + n)
    trials = 4000
    hits = sum(lo <= 1.0 <= hi for _, lo, hi in (mean_interval(s) for s in rng.normal(1.0, 2.0, size=(trials, n))))
    assert hits / trials == pytest.approx(0.95, abs=3.5 * math.sqrt(0.95 * 0.05 / trials))


# ---- PIT, bands, CRPS ---------------------------------------------------------------------------------------


def test_pit_ties_at_the_stored_float32_precision() -> None:
    """A week-0 front of 0.83 kept as float32: the observation 0.83 (float64) ties with every member."""
    sample = np.full(1000, 0.83, dtype=np.float32).astype(float)
    assert pit(sample, 0.83) == 1.0  # the float64 value sits above the float32 one: the old defect
    assert pit(sample, stored(0.83)) == 0.5
    mixed = np.array([0.825, 0.83, 0.83, 0.835], dtype=np.float32).astype(float)
    assert pit(mixed, stored(0.83)) == pytest.approx(0.25 + 0.5 * 0.5)


def test_score_reports_a_tie_inside_the_bands(conditioned_pair) -> None:
    """End to end: an observation equal to the week-0 value (every replicate holds it) scores PIT 0.5 and is
    inside both bands."""
    import sim
    from sim.observe import load_ensemble, read_observations
    from sim.observe.scoring import score

    prior = conditioned_pair["prior"]
    ens = load_ensemble(prior)
    front0 = float(sim.load_results(prior).scenario.initial.front)
    path = prior.parent / "tie.csv"
    path.write_text(f"date,variable,value\n{ens.scenario.start_date},front,{front0!r}\n")
    report = score(ens, read_observations(path, ens.scenario.start_date, ens.scenario.horizon_weeks))
    row = report["values"][0]
    assert row["pit"] == 0.5 and row["in_50"] and row["in_90"] and row["crps"] == 0.0


def test_crps_is_never_negative() -> None:
    """A sample equal to y everywhere: exactly 0 (the two sums of the formula left -5e-16 for 1000 x 0.83)."""
    for v in (0.83, 0.1, 1 / 3, 0.7, 70.0):
        for n in (10, 100, 1000):
            assert crps_sample(np.full(n, v), v) == 0.0
    rng = np.random.default_rng(0)
    x = rng.random(500)
    assert crps_sample(x, 0.5) > 0.0
