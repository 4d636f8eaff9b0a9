"""Split fans: a variable whose replicates fall into two groups gets a fan per group (computed from the
replicates' own paths) beside sample paths coloured by outcome; the groups, their shares, the split and what
tells the groups apart follow from the paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.plots import RunInfo, fan_chart, fan_table, read_manifest
from sim.plots import paths as P
from sim.plots.run import bimodal, run_figures, split_paths

ROOT = Path(__file__).resolve().parent.parent


def _table(rows: list[list[float]]) -> pd.DataFrame:
    q = np.array(rows, dtype=float)
    return pd.DataFrame({"week": np.arange(len(q)), **{f"q{p:02d}": q[:, i] for i, p in enumerate(P.PERCENTILES)}})


def test_find_split_takes_the_widest_gap_among_the_split_weeks() -> None:
    rows = [[0, 1, 2, 3, 4]] * 3 + [[0, 0.1, 0.2, 8, 9], [0, 0.1, 0.2, 10, 10.5], [0, 1, 2, 3, 4]]
    split = P.find_split(_table(rows))
    assert split is not None and split.week == 4 and split.threshold == pytest.approx((0.2 + 10) / 2)
    assert P.find_split(_table([[0, 1, 2, 3, 4]] * 6)) is None  # evenly spread: no split


def test_weekly_quantiles_are_those_of_the_masked_values_and_blank_below_min_n() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(4, 100))
    mask = np.ones_like(values, dtype=bool)
    mask[1, 20:] = False
    mask[2, :] = rng.random(100) < 0.5
    q, counts = P.weekly_quantiles(values, mask, None, min_n=25)
    assert np.isnan(q[1]).all() and counts[1] == 20
    assert q[2] == pytest.approx(np.percentile(values[2, mask[2]], P.PERCENTILES))
    # equal weights give Hazen's quantiles of the same values
    qw, _ = P.weekly_quantiles(values, mask, np.full(100, 0.01), min_n=25)
    assert qw[0, 2] == pytest.approx(np.median(values[0]))


def test_group_driver_finds_the_separating_column_and_ignores_the_variable_itself() -> None:
    rng = np.random.default_rng(5)
    upper = rng.random(400) < 0.3
    cols = pd.DataFrame(
        {
            "end.refining_ru": np.where(upper, 0.7, 0.5),  # the variable itself: left out
            "end.brent": rng.normal(size=400),  # noise
            "cum.tomahawks_delivered": np.where(upper, 0.0, 500.0) + rng.random(400),
        }
    )
    d = P.group_driver(cols, upper, "refining_ru")
    assert d is not None and d.column == "cum.tomahawks_delivered" and d.auc == pytest.approx(0.0)
    assert d.median_upper < 1 < 500 < d.median_lower
    assert "Tomahawks delivered" in d.describe()
    assert P.group_driver(cols[["end.brent"]], upper, "refining_ru") is None  # nothing separates them


def test_spaghetti_sample_follows_the_weights() -> None:
    paths = P.Paths(np.zeros((3, 10)), np.full(10, 4), np.array(["ongoing"] * 10), None, "x")
    assert list(P.spaghetti_sample(paths, 4)) == [1, 3, 6, 8]  # targets 0.125, 0.375, 0.625, 0.875
    w = np.zeros(10)
    w[7] = 1.0
    heavy = P.Paths(np.zeros((3, 10)), np.full(10, 4), np.array(["ongoing"] * 10), w, "x")
    assert list(P.spaghetti_sample(heavy, 5)) == [7]


@pytest.fixture(scope="module")
def kept_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = sim.load_scenario(
        ROOT / "scenarios" / "baseline.yaml",
        ["replicates=600", "horizon_weeks=60", 'trajectories=["refining_ru"]'],
    )
    out = tmp_path_factory.mktemp("split") / "baseline"
    sim.write_results(sim.run(sc), out)
    return out


def test_kept_paths_are_the_runs_trajectories_frozen_after_the_end(kept_run: Path) -> None:
    res = sim.load_results(kept_run)
    paths = P.kept_paths(kept_run, "refining_ru", res.outcomes, 60)
    assert paths is not None and paths.n == 600 and paths.values.shape == (61, 600)
    assert "kept trajectories" in paths.source and paths.columns is not None
    assert "cum.tomahawks_delivered" in paths.columns
    active = paths.active()
    # the weekly table's count of replicates still at war is the paths' count, week by week
    d = fan_table(res.weekly, "refining_ru", min_n=0)
    assert list(active.sum(axis=1)) == list(d["n"])
    # an ended replicate's value stays at its final one
    ended = np.flatnonzero(paths.ends <= 60)
    for i in ended[:20]:
        assert np.all(paths.values[paths.ends[i] :, i] == paths.values[paths.ends[i], i])
    assert P.kept_paths(kept_run, "front", res.outcomes, 60) is None  # not kept


def test_split_fan_draws_a_fan_per_group_from_the_paths(kept_run: Path) -> None:
    res = sim.load_results(kept_run)
    info = RunInfo.from_result(res, read_manifest(kept_run))
    d = fan_table(res.weekly, "refining_ru")
    assert bimodal(d)  # with and without Tomahawks
    paths = split_paths(res, ["refining_ru", "front"], info)
    assert list(paths) == ["refining_ru"] and "kept" in paths["refining_ru"].source
    fig = fan_chart(res.weekly, "refining_ru", info, paths=paths["refining_ru"])
    ax, ax2 = fig.axes[0], fig.axes[1]
    split = P.find_split(d)
    assert split is not None
    p = paths["refining_ru"]
    upper = p.values[split.week] >= split.threshold
    for name, m in (("lower", ~upper), ("upper", upper)):
        (line,) = [a for a in ax.lines if a.get_gid() == f"group-{name}-median"]
        q, _ = P.weekly_quantiles(p.values, p.active() & m[None, :], None, 20)
        assert np.allclose(np.asarray(line.get_ydata(), dtype=float), q[:, 2], equal_nan=True)
    samples = [a for a in ax2.lines if a.get_gid() == "sample-path"]
    assert 0 < len(samples) <= P.SPAGHETTI
    texts = [t.get_text() for a in fig.axes for leg in a.artists if hasattr(leg, "get_texts") for t in leg.get_texts()]
    texts += [t.get_text() for a in fig.axes for leg in [a.get_legend()] if leg is not None for t in leg.get_texts()]
    shares = [f"{m.mean():.0%} of replicates" for m in (~upper, upper)]
    assert all(any(s in t for t in texts) for s in shares), (shares, texts)
    assert any("Tomahawks delivered" in t for t in texts)
    assert "two groups" in fig.get_suptitle()


def test_without_kept_trajectories_a_sample_is_simulated_and_said(
    kept_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(P, "SAMPLE_SIZE", 300)
    res = sim.load_results(kept_run)
    res.path = None  # as if nothing was kept
    figs = run_figures(res, read_manifest(kept_run), charts=["fan_refining_ru", "fan_front"])
    right = figs["fan_refining_ru"].axes[1].get_title(loc="left")
    assert "300 replicates simulated for the chart" in right
    assert len(figs["fan_front"].axes) == 2  # the front's fan is one panel and its key strip


def test_compare_fan_draws_no_band_over_a_split_variable(kept_run: Path) -> None:
    from sim.plots import compare_fan

    res = sim.load_results(kept_run)
    info = RunInfo.from_result(res, read_manifest(kept_run))
    fig = compare_fan({"a": res.weekly, "b": res.weekly}, {"a": info, "b": info}, "refining_ru", "t", "c")
    ax = fig.axes[0]
    assert not [c for c in ax.collections if str(c.get_gid()).startswith("band50")]
    assert {ln.get_gid() for ln in ax.lines} >= {"q25-a", "q75-a", "median-a", "q25-b", "median-b"}
    assert any("no band" in t.get_text() for leg in fig.legends for t in leg.get_texts())
    unsplit = compare_fan({"a": res.weekly}, {"a": info}, "front", "t", "c")
    assert [c for c in unsplit.axes[0].collections if c.get_gid() == "band50-a"]
