"""Scoring and conditioning on observations (sim/observe/, sim score, sim condition)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.observe import (
    EVENTS,
    brier_score,
    condition,
    crps_sample,
    date_to_week,
    effective_sample_size,
    load_ensemble,
    log_score,
    pit,
    read_observations,
    weighted_quantile,
)
from sim.results import load_results

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
START = dt.date(2025, 10, 16)
HORIZON = 30
VARIABLES = ("brent", "india_share", "revenue_ru", "front", "buffer_ru")


def day(week: int) -> dt.date:
    return START + dt.timedelta(weeks=week)


def write_csv(path: Path, *rows: str, header: str = "date,variable,value,sd,event,happened") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def sim(*args: str) -> None:
    main([str(a) for a in args])


def sim_exit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        sim(*args)
    return int(exc.value.code or 0), capsys.readouterr().err


# --- Scoring rules against hand-computed values -------------------------------------------------------


def test_crps_of_a_three_member_sample():
    # E|X - 2.5| = (1.5 + 0.5 + 0.5)/3; 1/2 E|X - X'| = 8/9 / 2; the integral of (F - 1{x >= 2.5})^2 is
    # 1/9 on [1,2) + 4/9 x 1/2 on [2,2.5) + 1/9 x 1/2 on [2.5,3) = 7/18.
    assert crps_sample(np.array([1.0, 2.0, 3.0]), 2.5) == pytest.approx(7 / 18, abs=1e-15)
    assert crps_sample(np.array([3.0, 1.0, 2.0]), 0.0) == pytest.approx(2.0 - 4 / 9, abs=1e-15)
    assert crps_sample(np.array([4.0]), 1.5) == pytest.approx(2.5)


def test_crps_with_weights_equals_crps_of_repeated_members():
    weighted = crps_sample(np.array([1.0, 2.0, 3.0]), 2.2, np.array([1.0, 1.0, 2.0]))
    assert weighted == pytest.approx(crps_sample(np.array([1.0, 2.0, 3.0, 3.0]), 2.2), abs=1e-14)


def test_crps_equals_the_integral_of_the_squared_cdf_difference():
    rng = np.random.default_rng(5)
    x, w, y = rng.normal(size=40), rng.random(40), 0.3
    grid = np.linspace(-6, 6, 400_001)
    order = np.argsort(x)
    cdf = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])[np.searchsorted(x[order], grid, side="right")]
    integral = np.trapezoid((cdf - (grid >= y)) ** 2, grid)
    assert crps_sample(x, y, w) == pytest.approx(integral, abs=1e-4)


def test_crps_of_a_large_normal_sample_approaches_the_closed_form():
    # CRPS(N(0,1), 0) = 2 phi(0) - 1/sqrt(pi) (Gneiting and Raftery 2007).
    sample = np.random.default_rng(1).normal(size=200_000)
    assert crps_sample(sample, 0.0) == pytest.approx(2 * stats.norm.pdf(0) - 1 / math.sqrt(math.pi), abs=3e-3)


def test_brier_and_log_scores():
    assert brier_score(0.3, True) == pytest.approx(0.49)
    assert brier_score(0.3, False) == pytest.approx(0.09)
    assert log_score(0.3, True) == pytest.approx(-math.log(0.3))
    assert log_score(0.3, False) == pytest.approx(-math.log(0.7))
    # p = 0 for what happened: clipped, not infinite
    assert log_score(0.0, True, eps=1e-3) == pytest.approx(-math.log(1e-3))
    assert log_score(1.0, False, eps=1e-3) == pytest.approx(-math.log(1e-3))
    np.testing.assert_allclose(brier_score(np.array([0.0, 1.0]), np.array([False, True])), [0.0, 0.0])


def test_pit_counts_ties_as_half():
    sample = np.array([1.0, 2.0, 2.0, 3.0])
    assert pit(sample, 2.0) == pytest.approx(0.5)
    assert pit(sample, 0.0) == 0.0
    assert pit(sample, 9.0) == 1.0
    assert pit(np.full(10, 0.36), 0.36) == pytest.approx(0.5)
    assert pit(sample, 2.5, np.array([0.0, 0.0, 1.0, 1.0])) == pytest.approx(0.5)


def test_pit_of_observations_from_the_forecast_distribution_is_uniform():
    rng = np.random.default_rng(20251016)
    ensemble = rng.uniform(size=5_000)
    pits = [pit(ensemble, y) for y in rng.uniform(size=1_000)]
    assert stats.kstest(pits, "uniform").pvalue > 0.05
    # and a biased forecast is caught
    biased = [pit(ensemble + 0.2, y) for y in rng.uniform(size=1_000)]
    assert stats.kstest(biased, "uniform").pvalue < 1e-6


def test_weighted_quantile_uses_hazen_positions():
    x = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    np.testing.assert_allclose(weighted_quantile(x, [0.1, 0.5, 0.9, 0.0, 1.0]), [1.0, 3.0, 5.0, 1.0, 5.0])
    # a member with zero weight does not count
    assert weighted_quantile(np.array([1.0, 100.0, 3.0]), 0.5, np.array([1.0, 0.0, 1.0])) == pytest.approx(2.0)


def test_effective_sample_size():
    assert effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert effective_sample_size(np.array([0.0, 3.0, 0.0])) == pytest.approx(1)
    assert effective_sample_size(np.array([1.0, 1.0, 0.0, 0.0])) == pytest.approx(2)
    assert effective_sample_size(np.zeros(3)) == 0.0


# --- Observations files --------------------------------------------------------------------------------


def test_observation_dates_fall_in_the_week_that_had_ended(tmp_path):
    path = write_csv(
        tmp_path / "o.csv",
        "# a comment, then a blank line",
        "",
        f"{START + dt.timedelta(days=13)},india_share,0.3,,,",
        f"{START + dt.timedelta(days=14)},brent,70,5,,",
        f"{day(HORIZON)},,,,settlement,FALSE",
        f"{START},,,,ended,yes",
    )
    obs = read_observations(path, START, HORIZON)
    assert [(v.week, v.variable, v.value, v.sd, v.line) for v in obs.values] == [
        (1, "india_share", 0.3, None, 4),
        (2, "brent", 70.0, 5.0, 5),
    ]
    assert [(e.week, e.event, e.happened) for e in obs.events] == [(HORIZON, "settlement", False), (0, "ended", True)]
    assert len(obs.sha256) == 64
    assert date_to_week(day(HORIZON), START, HORIZON) == HORIZON
    with pytest.raises(ValueError, match="after the horizon"):
        date_to_week(day(HORIZON) + dt.timedelta(days=1), START, HORIZON)


def test_files_with_only_some_columns_are_read(tmp_path):
    values = write_csv(tmp_path / "v.csv", f"{day(3)},front,0.8", header="date,variable,value")
    events = write_csv(tmp_path / "e.csv", f"settlement,{day(3)},false", header="event,date,happened")
    assert len(read_observations(values, START, HORIZON).values) == 1
    assert read_observations(events, START, HORIZON).events[0].event == "settlement"


def test_every_event_is_documented():
    doc = (ROOT / "docs" / "observations.md").read_text(encoding="utf-8")
    for name in EVENTS:
        assert f"`{name}`" in doc


# --- A short run with trajectories ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("observe") / "baseline"
    sim(
        "run",
        BASELINE,
        "-n",
        "3000",
        "--horizon",
        HORIZON,
        "--trajectories",
        ",".join(VARIABLES),
        "--set",
        "chunk_size=1000",
        "--workers",
        "1",
        "--out",
        out,
        "-q",
    )
    return out


@pytest.fixture(scope="module")
def run_tables(run_dir) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    outcomes = pd.read_parquet(run_dir / "outcomes.parquet")
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    wide = {
        var: traj[traj["variable"] == var].pivot(index="week", columns="replicate", values="value") for var in VARIABLES
    }
    return outcomes, wide


@pytest.fixture(scope="module")
def truth(run_tables) -> int:
    """A replicate still at war at the horizon, with a high Brent mean (not at the prior's edge) that its
    trajectory shows: of those between the prior's 80th and 90th percentiles, the one whose Brent over weeks
    10-30 stays closest to its mean."""
    outcomes, wide = run_tables
    mean = outcomes["params.oil.brent_mean"].to_numpy()
    lo, hi = np.quantile(mean, [0.8, 0.9])
    level = np.exp(np.log(wide["brent"].loc[10:HORIZON].to_numpy(dtype=float)).mean(axis=0))
    ok = (outcomes["outcome"].astype(str).to_numpy() == "ongoing") & (mean > lo) & (mean < hi)
    gap = np.where(ok, np.abs(np.log(level / mean)), np.inf)
    return int(outcomes["replicate"].iloc[int(np.argmin(gap))])


def test_conditioning_on_one_replicates_trajectory_concentrates_around_its_parameters(
    tmp_path, run_dir, run_tables, truth
):
    outcomes, wide = run_tables
    rows = [f"{day(w)},brent,{wide['brent'].loc[w, truth]:.4f},6,," for w in (6, 12, 18, 24, 30)]
    rows += [f"{day(w)},buffer_ru,{wide['buffer_ru'].loc[w, truth]:.4f},0.5,," for w in (10, 20)]
    obs = write_csv(tmp_path / "truth.csv", *rows, f"{day(HORIZON)},,,,ended,false")
    out = tmp_path / "conditioned"
    sim("condition", run_dir, obs, "--out", out, "-q", "--min-ess", "20")
    summary = json.loads((out / "summary.json").read_text())
    params = summary["parameters"]
    true_values = outcomes.set_index("replicate").loc[truth]

    # Brent's long-run mean drives the Brent trajectory, weakly (weekly noise around a slow reversion, and since
    # issue 12 jumps as well, so 30 weeks say little about the long-run mean): the posterior moves toward the
    # truth and narrows (measured: to 0.91 of the prior's sd at this seed).
    brent = params["params.oil.brent_mean"]
    prior, post = brent["prior"], brent["posterior"]
    target = float(true_values["params.oil.brent_mean"])
    assert abs(post["mean"] - target) < abs(prior["mean"] - target) - 0.25 * prior["sd"]
    assert post["sd"] < 0.95 * prior["sd"]
    assert post["q05"] <= target <= post["q95"]
    # Russia's initial fiscal buffer drives its buffer trajectory strongly: the posterior is tight around it.
    buffer = params["initial.buffer_ru"]
    target = float(true_values["initial.buffer_ru"])
    assert buffer["sd_ratio"] < 0.5
    assert abs(buffer["posterior"]["mean"] - target) < buffer["posterior"]["sd"]
    # a parameter neither trajectory depends on stays about where it was
    assert abs(params["params.front.p0"]["shift_sd"]) < 0.5
    # the hard event: no replicate that had ended keeps any weight
    assert summary["outcomes"]["ongoing"]["p"] == pytest.approx(1.0)
    assert summary["ess"] > 20


def test_uniform_kernel_with_hard_events_is_rejection(tmp_path, run_dir, run_tables, truth):
    outcomes, wide = run_tables
    b10, b20 = wide["brent"].loc[10, truth], wide["brent"].loc[20, truth]
    f20 = wide["front"].loc[20, truth]
    obs = write_csv(
        tmp_path / "rej.csv",
        f"{day(10)},brent,{b10},8,,",
        f"{day(20)},brent,{b20},8,,",
        f"{day(20)},front,{f20},,,",
        f"{day(15) + dt.timedelta(days=3)},,,,settlement,false",
    )
    out = tmp_path / "rejection"
    sim("condition", run_dir, obs, "--out", out, "--kernel", "uniform", "--tolerance", "0.03", "-q")

    x10 = wide["brent"].loc[10].to_numpy(dtype=float)
    x20 = wide["brent"].loc[20].to_numpy(dtype=float)
    front = wide["front"].loc[20].to_numpy(dtype=float)
    outcome = outcomes["outcome"].astype(str).to_numpy()
    settled_by_15 = (outcome == "settlement") & (outcomes["week"].to_numpy() <= 15)
    accepted = (
        (np.abs(x10 - np.float32(b10)) <= 8)
        & (np.abs(x20 - np.float32(b20)) <= 8)
        & (np.abs(front - np.float32(f20)) <= 0.03 * 1.0)
        & ~settled_by_15
    )
    assert 30 < accepted.sum() < len(outcomes)

    conditioned = load_results(out)
    weights = conditioned.outcomes["weight"].to_numpy()
    np.testing.assert_allclose(weights, accepted / accepted.sum(), atol=1e-15)
    summary = conditioned.summary
    assert summary["ess"] == pytest.approx(accepted.sum())
    for name, o in summary["outcomes"].items():
        assert o["p"] == pytest.approx(np.mean(outcome[accepted] == name), abs=1e-12)
    median_week = np.median(outcomes["week"].to_numpy()[accepted & (outcome == "settlement")])
    assert summary["settlement_week"]["median"] == pytest.approx(median_week)


def test_conditioned_directory_is_a_results_directory(tmp_path, run_dir, run_tables, truth):
    _, wide = run_tables
    obs = write_csv(
        tmp_path / "o.csv",
        f"{day(12)},revenue_ru,{wide['revenue_ru'].loc[12, truth]},0.1,,",
        f"{day(8)},,,,settlement,false",
    )
    out = tmp_path / "cond"
    sim("condition", run_dir, obs, "--out", out, "-q")
    prior, post = load_results(run_dir), load_results(out)
    assert post.outcomes["weight"].sum() == pytest.approx(1.0)
    assert list(post.outcomes.columns) == [*prior.outcomes.columns, "weight"]
    assert list(post.weekly.columns) == list(prior.weekly.columns)
    assert set(post.weekly["variable"]) == set(prior.weekly["variable"])
    # variables without trajectories cannot be conditioned: their rows are the prior's, and are listed
    unconditioned = json.loads((out / "manifest.json").read_text())["weekly_unconditioned"]
    assert "grid_ua" in unconditioned and not set(unconditioned) & set(VARIABLES)
    pd.testing.assert_frame_equal(
        post.weekly[post.weekly["variable"] == "grid_ua"].reset_index(drop=True),
        prior.weekly[prior.weekly["variable"] == "grid_ua"].reset_index(drop=True),
    )
    assert set(prior.summary) <= set(post.summary)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "conditioned"
    assert manifest["observations"]["sha256"] == read_observations(obs, START, HORIZON).sha256
    assert (out / "scenario.resolved.yaml").read_bytes() == (run_dir / "scenario.resolved.yaml").read_bytes()
    assert (out / "charts" / "parameters.png").stat().st_size > 0
    # the weekly outcome shares agree with the summary at the horizon, and respect the event
    shares = post.weekly[post.weekly["variable"] == "share.settlement"].set_index("week")["mean"]
    assert shares.loc[8] == 0.0
    assert shares.loc[HORIZON] == pytest.approx(post.summary["outcomes"]["settlement"]["p"])
    # a weighted weekly mean by hand
    rev = wide["revenue_ru"].loc[20].to_numpy(dtype=float)
    row = post.weekly[
        (post.weekly["variable"] == "revenue_ru") & (post.weekly["scope"] == "all") & (post.weekly["week"] == 20)
    ]
    assert float(row["mean"].iloc[0]) == pytest.approx(np.average(rev, weights=post.outcomes["weight"]))

    # conditioning a conditioned directory multiplies the weights
    more = write_csv(tmp_path / "more.csv", f"{day(HORIZON)},,,,ukraine_collapse,false")
    again = tmp_path / "again"
    sim("condition", out, more, "--out", again, "-q")
    w2 = load_results(again).outcomes["weight"].to_numpy()
    expected = post.outcomes["weight"].to_numpy() * (post.outcomes["outcome"].astype(str) != "ukraine_collapse")
    np.testing.assert_allclose(w2, expected / expected.sum(), atol=1e-15)


def test_gaussian_kernel_and_soft_events_weigh_as_documented(tmp_path, run_dir, run_tables):
    outcomes, wide = run_tables
    ens = load_ensemble(run_dir)
    path = write_csv(tmp_path / "o.csv", f"{day(20)},brent,66,3,,", f"{day(HORIZON)},,,,settlement,false")
    cond = condition(ens, read_observations(path, START, HORIZON), event_error=0.1)
    z = (wide["brent"].loc[20].to_numpy(dtype=float) - 66.0) / 3.0
    contradicts = (outcomes["outcome"].astype(str) == "settlement").to_numpy()
    expected = np.exp(-0.5 * z * z) * np.where(contradicts, 0.1, 0.9)
    np.testing.assert_allclose(cond.weights, expected / expected.sum(), rtol=1e-9)
    assert cond.ess == pytest.approx(expected.sum() ** 2 / (expected**2).sum())
    # without a sd, the width is the default tolerance times the variable's range (0.02 x $200 for Brent)
    path = write_csv(tmp_path / "t.csv", f"{day(20)},brent,66,,,")
    cond = condition(ens, read_observations(path, START, HORIZON))
    assert cond.bandwidths == [pytest.approx(4.0)]


def test_low_effective_sample_size_writes_then_exits_3(tmp_path, capsys, run_dir, run_tables, truth):
    _, wide = run_tables
    obs = write_csv(tmp_path / "o.csv", *[f"{day(w)},brent,{wide['brent'].loc[w, truth]},0.5,," for w in (5, 15)])
    out = tmp_path / "low"
    code, err = sim_exit(capsys, "condition", run_dir, obs, "--out", out, "-q")
    assert code == 3
    assert err.startswith("warning: effective sample size") and err.count("\n") == 1
    assert load_results(out).summary["conditioning"]["low_ess"] is True


def test_no_consistent_replicate_exits_3_and_writes_nothing(tmp_path, capsys, run_dir):
    obs = write_csv(tmp_path / "o.csv", f"{day(5)},brent,500,1,,")
    out = tmp_path / "none"
    code, err = sim_exit(capsys, "condition", run_dir, obs, "--out", out, "--kernel", "uniform")
    assert code == 3 and "no replicate" in err and err.count("\n") == 1
    assert not out.exists()


def test_score_writes_a_report_and_a_chart(tmp_path, capsys, run_dir, run_tables, truth):
    outcomes, wide = run_tables
    obs = write_csv(
        tmp_path / "o.csv",
        *[f"{day(w)},brent,{wide['brent'].loc[w, truth]},,," for w in (10, 20, 30)],
        f"{day(HORIZON)},,,,settlement,false",
    )
    out = tmp_path / "scored"
    sim("score", run_dir, obs, "--out", out)
    table = capsys.readouterr().out
    assert "band coverage" in table and "Brier" in table
    report = json.loads((out / "score.json").read_text())
    brent30 = wide["brent"].loc[HORIZON].to_numpy(dtype=float)
    row = report["values"][2]
    assert row["pit"] == pytest.approx(pit(brent30, float(np.float32(wide["brent"].loc[30, truth]))))
    assert row["crps"] == pytest.approx(crps_sample(brent30, row["value"]))
    p = float(np.mean(outcomes["outcome"].astype(str) == "settlement"))
    event = report["events"][0]
    assert event["p"] == pytest.approx(p)
    assert event["brier"] == pytest.approx(p * p)
    assert report["summary"]["coverage_90"]["nominal"] == 0.9
    assert (out / "charts" / "calibration.png").stat().st_size > 0
    code, err = sim_exit(capsys, "score", run_dir, obs, "--out", out, "-q")
    assert code == 2 and "--force" in err
    sim("score", run_dir, obs, "--out", out, "-q", "--force")

    # a conditioned run is scored with its weights: better on what it was conditioned on
    cond = tmp_path / "cond"
    sim("condition", run_dir, obs, "--out", cond, "-q", "--min-ess", "10")
    sim("score", cond, obs, "-q")
    weighted = json.loads((cond / "score.json").read_text())
    assert weighted["weighted"] is True
    assert weighted["values"][2]["crps"] < row["crps"]
    assert weighted["events"][0]["p"] == 0.0


def test_counter_events_use_end_of_run_figures_only_where_they_answer(tmp_path, capsys, run_dir):
    ens = load_ensemble(run_dir)
    assert (ens.outcomes["cum.tomahawks_delivered"] > 0).any()
    at_horizon = write_csv(tmp_path / "h.csv", f"{day(HORIZON)},,,,tomahawks_delivered,false")
    sim("score", run_dir, at_horizon, "--out", tmp_path / "h", "-q")
    p = json.loads((tmp_path / "h" / "score.json").read_text())["events"][0]["p"]
    assert p == pytest.approx(float(np.mean(ens.outcomes["cum.tomahawks_delivered"] > 0)))
    early = write_csv(tmp_path / "e.csv", f"{day(20)},,,,tomahawks_delivered,false")
    code, err = sim_exit(capsys, "score", run_dir, early, "--out", tmp_path / "e")
    assert code == 2 and "'tomahawks_delivered'" in err and "--trajectories" in err and "line 2" in err


def test_every_missing_trajectory_is_named_in_one_error(tmp_path, capsys, run_dir):
    # two variables and an event the run did not keep: one error names all three and the rerun that keeps them,
    # at the first line that needs one
    rows = [f"{day(3)},brent,70,1,,", f"{day(4)},grid_ua,20,1,,", f"{day(5)},,,,penalty_tariff,true"]
    path = write_csv(tmp_path / "many.csv", *rows)
    ens = load_ensemble(run_dir)
    assert "brent" in ens.kept and "grid_ua" not in ens.kept and "penalty_tariff" not in ens.kept
    code, err = sim_exit(capsys, "score", run_dir, path, "--out", tmp_path / "out")
    assert code == 2 and err.count("\n") == 1 and "line 3" in err
    assert "'grid_ua', 'penalty_tariff'" in err and "1 more variable(s)" in err
    assert "--trajectories " + ",".join([*ens.kept, "grid_ua", "penalty_tariff"]) in err
    assert not (tmp_path / "out").exists()


# --- Bad observations files: one line, exit 2 -------------------------------------------------------

BAD = {
    "unknown_variable": ([f"{day(3)},brnet,70,,,"], "unknown variable 'brnet' (did you mean 'brent'?)"),
    "unknown_event": ([f"{day(3)},,,,settlment,false"], "unknown event 'settlment' (did you mean 'settlement'?)"),
    "before_start": ([f"{START - dt.timedelta(days=1)},brent,70,,,"], "before the scenario's start date"),
    "after_horizon": ([f"{day(HORIZON) + dt.timedelta(days=1)},brent,70,,,"], "after the horizon (week 30"),
    "non_numeric": ([f"{day(3)},brent,seventy,,,"], "value: expected a number, got 'seventy'"),
    "nan_value": ([f"{day(3)},brent,nan,,,"], "value: expected a finite number"),
    "negative_sd": ([f"{day(3)},brent,70,-1,,"], "sd: expected a positive number"),
    "bad_date": (["16/10/2025,brent,70,,,"], "date: expected a date YYYY-MM-DD, got '16/10/2025'"),
    "basic_date": (["20251211,brent,70,,,"], "date: expected a date YYYY-MM-DD, got '20251211'"),
    "no_such_day": (["2025-02-30,brent,70,,,"], "(no such day)"),
    "underscore_number": ([f"{day(3)},front,0_8,,,"], "value: expected a number, got '0_8'"),
    "underscore_sd": ([f"{day(3)},front,0.8,1_0,,"], "sd: expected a number, got '1_0'"),
    "infinite_sd": ([f"{day(3)},front,0.8,inf,,"], "sd: expected a finite number, got 'inf'"),
    "hex_number": ([f"{day(3)},front,0x1,,,"], "value: expected a number, got '0x1'"),
    "bad_bool": ([f"{day(3)},,,,settlement,maybe"], "happened: expected true or false"),
    "both": ([f"{day(3)},brent,70,,settlement,false"], "not both"),
    "no_trajectory": ([f"{day(3)},grid_ua,20,,,"], "'grid_ua'"),
    "event_not_kept": ([f"{day(3)},,,,penalty_tariff,true"], "needs the weekly trajectories of 'penalty_tariff'"),
    "talks_not_kept": ([f"{day(3)},,,,talks,true"], "needs the weekly trajectories of 'talks_held'"),
    "header_only": ([], "no observations"),
}


@pytest.mark.parametrize("command", ["score", "condition"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_observations_exit_2_with_one_line(tmp_path, capsys, run_dir, command, case):
    rows, message = BAD[case]
    path = write_csv(tmp_path / "bad.csv", *rows)
    code, err = sim_exit(capsys, command, run_dir, path, "--out", tmp_path / "out")
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert str(path) in err and message in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no observations (the file is empty"),
        ("# only a comment\n\n", "no observations (the file is empty"),
        ("when,variable,value\n2025-11-01,brent,70\n", "unknown column 'when'"),
        ("date,value\n2025-11-01,70\n", "expected a header with date"),
        ("date,variable,value\n2025-11-01,brent,70,5,6\n", "line 2: expected 3 fields"),
    ],
)
def test_malformed_files_exit_2_with_one_line(tmp_path, capsys, run_dir, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    code, err = sim_exit(capsys, "score", run_dir, path, "--out", tmp_path / "out")
    assert code == 2 and err.count("\n") == 1 and message in err


def test_missing_files_exit_2(tmp_path, capsys, run_dir):
    code, err = sim_exit(capsys, "score", run_dir, tmp_path / "nope.csv")
    assert code == 2 and "no such observations file" in err
    code, err = sim_exit(capsys, "condition", tmp_path / "nowhere", tmp_path / "nope.csv")
    assert code == 2 and "not a results directory" in err


def test_shipped_example_scores_and_conditions(tmp_path, capsys, run_dir):
    example = ROOT / "observations" / "example.csv"
    assert "MADE UP" in example.read_text(encoding="utf-8")
    # the fixture run has a 30-week horizon: keep the example's rows inside it
    obs = read_observations(example, START, 104)
    assert obs.values and obs.events and max(v.week for v in obs.values) <= HORIZON
    sim("score", run_dir, example, "--out", tmp_path / "s", "-q")
    sim("condition", run_dir, example, "--out", tmp_path / "c", "-q")
    assert load_results(tmp_path / "c").summary["ess"] > 100
