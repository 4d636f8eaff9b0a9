"""The charts draw what the tables say: series, bands, labels, units, dates, events, captions; PRIM finds a
known box; sweep charts follow points.parquet and sensitivity.json."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import ScenarioError
from sim.plots import (
    FAN_VARIABLES,
    GREY,
    OKABE_ITO,
    OUTCOME_ORDER,
    PRIOR_LABEL,
    TERMINAL,
    RunInfo,
    compare_fan,
    cumulative_incidence,
    fan_chart,
    fan_table,
    incidence_table,
    outcome_probabilities,
    parse_condition,
    prim,
    read_manifest,
    sensitivity_bars,
    settlement_terms,
    settlement_timing,
    sweep_1d,
    sweep_heatmap,
    terms_bins,
    timing_histogram,
    write_charts,
    write_run_charts,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", ["replicates=500", "horizon_weeks=30"])
    out = tmp_path_factory.mktemp("plots") / "baseline"
    sim.write_results(sim.run(sc), out)
    return out


@pytest.fixture(scope="module")
def result(run_dir: Path) -> sim.RunResult:
    return sim.load_results(run_dir)


@pytest.fixture(scope="module")
def info(result: sim.RunResult, run_dir: Path) -> RunInfo:
    return RunInfo.from_result(result, read_manifest(run_dir))


def by_gid(artists: list, gid: str) -> list:
    return [a for a in artists if a.get_gid() == gid]


def as_date(x: object) -> dt.date:
    """An x value of a line on a date axis (a numpy datetime64, or a matplotlib date number) as a date."""
    if isinstance(x, np.datetime64):
        return x.astype("datetime64[D]").item()
    return mdates.num2date(float(x)).date()  # type: ignore[arg-type]


def texts_of(fig) -> str:
    out = [t.get_text() for t in fig.texts] + [fig.get_suptitle()]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        for leg in [ax.get_legend(), *[a for a in ax.artists if hasattr(a, "get_texts")]]:
            if leg is not None:
                out += [t.get_text() for t in leg.get_texts()]
    for leg in fig.legends:
        out += [t.get_text() for t in leg.get_texts()]
    return "\n".join(out)


def test_caption_names_replicates_seed_and_version(info: RunInfo) -> None:
    assert info.replicates == 500 and info.horizon_weeks == 30
    assert "500 replicates" in info.caption and f"seed {info.seed}" in info.caption
    assert f"Leverage {sim.__version__}" in info.caption and "'baseline'" in info.caption


def test_outcome_bars_equal_summary_probabilities(result: sim.RunResult, info: RunInfo) -> None:
    fig = outcome_probabilities(result.summary, info)
    ax = fig.axes[0]
    bars = by_gid(ax.patches, "outcome-bars")
    expected = [result.summary["outcomes"][o]["p"] for o in OUTCOME_ORDER]
    assert [b.get_width() for b in bars] == pytest.approx(expected)
    assert {b.get_facecolor()[:3] for b in bars} <= {
        tuple(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)) for c in [*OKABE_ITO.values(), GREY]
    }
    # the whiskers run from each Wilson low to high
    segments = ax.collections[0].get_segments()
    for seg, o in zip(segments, OUTCOME_ORDER, strict=True):
        r = result.summary["outcomes"][o]
        assert sorted(seg[:, 0]) == pytest.approx([r["lo"], r["hi"]])
    assert fig.get_suptitle().startswith("baseline")
    assert "%" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Settlement"
    assert info.caption in texts_of(fig)


def test_fan_chart_draws_the_weekly_quantiles(result: sim.RunResult, info: RunInfo) -> None:
    fig = fan_chart(result.weekly, "front", info)
    ax = fig.axes[0]
    table = fan_table(result.weekly, "front")
    (median,) = by_gid(ax.lines, "median")
    np.testing.assert_allclose(np.asarray(median.get_ydata(), dtype=float), table["q50"], equal_nan=True)
    expected_x = np.datetime64(info.start_date) + table["week"].to_numpy() * np.timedelta64(7, "D")
    np.testing.assert_array_equal(np.asarray(median.get_xdata()), expected_x)
    (band90,) = by_gid(ax.collections, "band90")
    (band50,) = by_gid(ax.collections, "band50")
    y90 = np.concatenate([p.vertices[:, 1] for p in band90.get_paths()])
    y50 = np.concatenate([p.vertices[:, 1] for p in band50.get_paths()])
    assert y90.min() == pytest.approx(np.nanmin(table["q05"])) and y90.max() == pytest.approx(np.nanmax(table["q95"]))
    assert y50.min() == pytest.approx(np.nanmin(table["q25"])) and y50.max() == pytest.approx(np.nanmax(table["q75"]))
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert "%" in ax.get_ylabel() and "territory" in ax.get_ylabel()
    assert fig.get_suptitle().startswith("baseline:")


def test_fan_chart_marks_and_labels_every_event(result: sim.RunResult, info: RunInfo) -> None:
    fig = fan_chart(result.weekly, "india_share", info)
    ax = fig.axes[0]
    event_lines = [ln for ln in ax.lines if str(ln.get_gid()).startswith("event-week-")]
    weeks = sorted({ev.week for ev in info.events})
    assert len(event_lines) == len(weeks) >= 2
    for ln, week in zip(event_lines, weeks, strict=True):
        assert as_date(ln.get_xdata()[0]) == info.start_date + dt.timedelta(weeks=week)
    text = texts_of(fig)
    for ev in info.events:
        assert ev.label[:30] in text
        assert f"{info.date(ev.week):%d %b %Y}" in text


def test_fan_chart_blanks_weeks_with_few_replicates_at_war(result: sim.RunResult) -> None:
    table = fan_table(result.weekly, "front", min_n=10_000)
    assert table["q50"].isna().all()


@pytest.mark.parametrize("variable", list(FAN_VARIABLES))
def test_every_fan_chart_has_units_and_dates(result: sim.RunResult, info: RunInfo, variable: str) -> None:
    fig = fan_chart(result.weekly, variable, info)
    ax = fig.axes[0]
    assert "(" in ax.get_ylabel() and ")" in ax.get_ylabel()
    assert "date" in ax.get_xlabel() and "16 Oct 2025" in ax.get_xlabel()
    assert FAN_VARIABLES[variable].title in fig.get_suptitle()


def test_cumulative_incidence_follows_the_weekly_shares(result: sim.RunResult, info: RunInfo) -> None:
    fig = cumulative_incidence(result.weekly, info)
    ax = fig.axes[0]
    for o in TERMINAL:
        (line,) = by_gid(ax.lines, f"incidence-{o}")
        share = result.weekly[result.weekly["variable"] == f"share.{o}"].sort_values("week")["mean"]
        np.testing.assert_allclose(line.get_ydata(), share)
        assert line.get_ydata()[-1] == pytest.approx(result.summary["outcomes"][o]["p"])
    (horizon,) = by_gid(ax.lines, "horizon")
    assert as_date(horizon.get_xdata()[0]) == info.date(info.horizon_weeks)
    assert "%" in ax.get_ylabel()
    assert "Settlement" in texts_of(fig)


def test_settlement_terms_histogram_matches_the_terms(result: sim.RunResult, info: RunInfo) -> None:
    fig = settlement_terms(result.outcomes, info)
    ax = fig.axes[0]
    terms = result.outcomes.loc[result.outcomes["outcome"].astype(str) == "settlement", "terms"].to_numpy()
    assert terms.size > 0
    counts, _ = np.histogram(terms, bins=terms_bins(terms))
    heights = [p.get_height() for p in by_gid(ax.patches, "terms-hist")]
    np.testing.assert_allclose(heights, counts / terms.size)
    (median,) = by_gid(ax.lines, "terms-median")
    assert median.get_xdata()[0] == pytest.approx(np.median(terms))
    (front,) = by_gid(ax.lines, "front-start")
    assert front.get_xdata()[0] == pytest.approx(0.83)
    assert "territory" in ax.get_xlabel() and "%" in ax.get_ylabel()


def test_settlement_timing_counts_every_settlement(result: sim.RunResult, info: RunInfo) -> None:
    fig = settlement_timing(result.outcomes, info)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in by_gid(ax.patches, "timing-bars")])
    settled = int((result.outcomes["outcome"].astype(str) == "settlement").sum())
    assert heights.sum() * info.replicates == pytest.approx(settled)
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_write_run_charts_writes_every_chart(run_dir: Path, tmp_path: Path, fmt: str) -> None:
    paths = write_run_charts(run_dir, fmt, out=tmp_path)
    assert {p.stem for p in paths} >= {
        "outcomes",
        "incidence",
        "settlement_terms",
        "settlement_timing",
        *(f"fan_{v}" for v in FAN_VARIABLES),
    }
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[fmt]
    for p in paths:
        assert p.suffix == f".{fmt}" and p.read_bytes().startswith(magic)


def test_charts_default_to_the_results_charts_directory(run_dir: Path) -> None:
    paths = write_charts(run_dir)
    assert all(p.parent == run_dir / "charts" for p in paths)


def test_unknown_format_is_a_user_error(run_dir: Path) -> None:
    with pytest.raises(ScenarioError, match="format"):
        write_run_charts(run_dir, "gif")


# ---- conditioned runs (sim condition): weighted histograms, n = ESS, prior fans labelled ----


@pytest.fixture(scope="module")
def conditioned_dir(conditioned_pair: dict[str, Path]) -> Path:
    return conditioned_pair["posterior"]


@pytest.fixture(scope="module")
def conditioned(conditioned_dir: Path) -> tuple[sim.RunResult, RunInfo]:
    res = sim.load_results(conditioned_dir)
    return res, RunInfo.from_result(res, read_manifest(conditioned_dir))


def settled_with_weights(outcomes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = outcomes["weight"].to_numpy(dtype=float)
    keep = (outcomes["outcome"].astype(str) == "settlement").to_numpy() & (w > 0)
    return outcomes["terms"].to_numpy(dtype=float)[keep], outcomes["week"].to_numpy()[keep], w[keep] / w.sum()


def test_conditioned_info_carries_the_ess_and_the_unconditioned_variables(
    conditioned: tuple[sim.RunResult, RunInfo], conditioned_dir: Path
) -> None:
    res, cinfo = conditioned
    assert cinfo.ess == pytest.approx(res.summary["ess"])
    manifest = read_manifest(conditioned_dir)
    assert cinfo.weekly_unconditioned == tuple(manifest["weekly_unconditioned"])
    assert "buffer_ru" in cinfo.weekly_unconditioned and "india_share" not in cinfo.weekly_unconditioned
    assert "ESS" in cinfo.caption


def test_settlement_terms_histogram_is_weighted(conditioned: tuple[sim.RunResult, RunInfo]) -> None:
    res, cinfo = conditioned
    terms, _weeks, w = settled_with_weights(res.outcomes)
    assert terms.size > 5
    fig = settlement_terms(res.outcomes, cinfo)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in by_gid(ax.patches, "terms-hist")])
    weighted, _ = np.histogram(terms, bins=terms_bins(terms), weights=w)
    np.testing.assert_allclose(heights, weighted / w.sum())
    plain, _ = np.histogram(terms, bins=terms_bins(terms))
    assert not np.allclose(heights, plain / terms.size)  # the weights change the picture
    (median,) = by_gid(ax.lines, "terms-median")
    assert median.get_xdata()[0] == pytest.approx(res.summary["settlement_terms"]["median"])
    assert "weight" in ax.get_ylabel()


def test_settlement_timing_bars_are_weighted_shares(conditioned: tuple[sim.RunResult, RunInfo]) -> None:
    res, cinfo = conditioned
    _terms, weeks, w = settled_with_weights(res.outcomes)
    fig = settlement_timing(res.outcomes, cinfo)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in by_gid(ax.patches, "timing-bars")])
    counts, edges = timing_histogram(weeks, cinfo.horizon_weeks, 4)
    expected = np.array([w[(weeks > a) & (weeks <= b)].sum() for a, b in zip(edges[:-1], edges[1:], strict=True)])
    np.testing.assert_allclose(heights, expected)
    assert heights.sum() == pytest.approx(res.summary["outcomes"]["settlement"]["p"])
    assert not np.allclose(heights, counts / cinfo.replicates)
    (median,) = by_gid(ax.lines, "timing-median")
    assert as_date(median.get_xdata()[0]) == cinfo.date(round(res.summary["settlement_week"]["median"]))


def test_conditioned_incidence_uses_the_weighted_shares_and_the_ess(conditioned: tuple[sim.RunResult, RunInfo]) -> None:
    res, cinfo = conditioned
    fig = cumulative_incidence(res.weekly, cinfo)
    (line,) = by_gid(fig.axes[0].lines, "incidence-settlement")
    assert line.get_ydata()[-1] == pytest.approx(res.summary["outcomes"]["settlement"]["p"])
    last = incidence_table(res.weekly, "settlement", cinfo.ess).iloc[-1]
    assert (last["lo"], last["hi"]) == pytest.approx(
        (res.summary["outcomes"]["settlement"]["lo"], res.summary["outcomes"]["settlement"]["hi"])
    )
    assert "n = ESS" in fig.get_suptitle()


def test_fans_of_unconditioned_variables_say_prior(conditioned: tuple[sim.RunResult, RunInfo]) -> None:
    res, cinfo = conditioned
    assert PRIOR_LABEL == "prior (unconditioned)"
    assert PRIOR_LABEL in fan_chart(res.weekly, "buffer_ru", cinfo).get_suptitle()
    assert PRIOR_LABEL not in fan_chart(res.weekly, "india_share", cinfo).get_suptitle()
    infos = {"prior": dataclasses.replace(cinfo, ess=None, weekly_unconditioned=()), "posterior": cinfo}
    weeklies = {"prior": res.weekly, "posterior": res.weekly}
    fig = compare_fan(weeklies, infos, "buffer_ru", "t", "c")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # the legend under the chart, off the data
    assert labels == ["prior: median and 50% band (baseline)", f"posterior: {PRIOR_LABEL}, median and 50% band"]
    fig = compare_fan(weeklies, infos, "india_share", "t", "c")
    assert all(PRIOR_LABEL not in t.get_text() for t in fig.legends[0].get_texts())


def test_sim_plot_of_a_conditioned_run_labels_the_prior_fans(conditioned_dir: Path, tmp_path: Path) -> None:
    paths = write_run_charts(conditioned_dir, "svg", out=tmp_path)
    assert PRIOR_LABEL in (tmp_path / "fan_buffer_ru.svg").read_text(encoding="utf-8")
    assert PRIOR_LABEL not in (tmp_path / "fan_india_share.svg").read_text(encoding="utf-8")
    assert {p.stem for p in paths} >= {"settlement_terms", "settlement_timing"}


# ---- PRIM ----


def synthetic_box(n: int = 3000, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=["a", "b", "c"])
    y = (x["a"].to_numpy() > 0.6) & (x["b"].to_numpy() < 0.3)
    return x, y


def test_prim_finds_a_known_box() -> None:
    x, y = synthetic_box()
    res = prim(x, y)
    box = res.box
    assert set(box.restricted) == {"a", "b"}
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.03)
    assert box.limits["b"][1] == pytest.approx(0.3, abs=0.03)
    assert box.limits["c"] == res.data_limits["c"]
    assert box.density > 0.95 and box.coverage > 0.9
    assert res.base_rate == pytest.approx(y.mean())


def test_prim_statistics_agree_with_the_box() -> None:
    x, y = synthetic_box(800, seed=5)
    res = prim(x, y, alpha=0.1)
    for box in res.trajectory:
        inside = np.ones(len(x), dtype=bool)
        for c, (lo, hi) in box.limits.items():
            inside &= (x[c] >= lo).to_numpy() & (x[c] <= hi).to_numpy()
        assert box.mass == pytest.approx(inside.mean())
        assert box.density == pytest.approx(y[inside].mean())
        assert box.coverage == pytest.approx(y[inside].sum() / y.sum())
    masses = [b.mass for b in res.trajectory]
    assert min(masses) >= 0.05
    # peeling shrinks the box; pasting (at the end) only grows it
    turn = next((i for i in range(1, len(masses)) if masses[i] > masses[i - 1]), len(masses))
    assert masses[:turn] == sorted(masses[:turn], reverse=True)
    assert masses[turn - 1 :] == sorted(masses[turn - 1 :])


def test_prim_peels_discrete_parameters_a_value_at_a_time() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"tomahawks": rng.integers(0, 2, 1000).astype(float), "noise": rng.random(1000)})
    y = x["tomahawks"].to_numpy() == 1
    res = prim(x, y)
    # a real-valued column peels at the midpoint between the two values, as EMA Workbench does
    assert res.box.restricted == ("tomahawks",) and res.box.limits["tomahawks"] == (0.5, 1.0)
    assert res.box.density == 1.0
    # an integer column keeps integer limits
    res = prim(x.astype({"tomahawks": int}), y)
    assert res.box.restricted == ("tomahawks",) and res.box.limits["tomahawks"] == (1.0, 1.0)
    assert res.box.density == 1.0


def test_prim_refuses_a_condition_that_never_holds() -> None:
    x, _ = synthetic_box(50)
    with pytest.raises(ScenarioError, match="no point"):
        prim(x, np.zeros(50, dtype=bool))


def test_conditions_parse_clauses_joined_by_and() -> None:
    t = pd.DataFrame({"outcome": ["settlement", "settlement", "ongoing"], "week": [10, 40, 104]})
    assert parse_condition("outcome == settlement and week <= 26", t).tolist() == [True, False, False]
    assert parse_condition("week>20", t).tolist() == [False, True, True]
    with pytest.raises(ScenarioError, match="unknown column"):
        parse_condition("weak < 3", t)
    with pytest.raises(ScenarioError, match="expected"):
        parse_condition("week about 3", t)


# ---- sweeps, on tables of the shape sim sweep writes ----


def points_1d() -> pd.DataFrame:
    x = np.linspace(0, 1, 6)
    p = 0.2 + 0.5 * x
    return pd.DataFrame(
        {
            "point": range(6),
            "agents.us.levers.sanctions": x,
            "replicates": 100,
            "p_settlement": p,
            "p_settlement_lo": p - 0.05,
            "p_settlement_hi": p + 0.05,
            "median_settlement_week": 30 - 10 * x,
            "median_settlement_week_lo": 25 - 10 * x,
            "median_settlement_week_hi": 35 - 10 * x,
        }
    )


def test_sweep_1d_draws_each_metric_with_its_band() -> None:
    pts = points_1d()
    fig = sweep_1d(pts, "agents.us.levers.sanctions", ["p_settlement", "median_settlement_week"], "t", "c")
    ax_p, ax_w = fig.axes[:2]
    (line,) = by_gid(ax_p.lines, "line-p_settlement")
    np.testing.assert_allclose(line.get_xdata(), pts["agents.us.levers.sanctions"])
    np.testing.assert_allclose(line.get_ydata(), pts["p_settlement"])
    (band,) = by_gid(ax_p.collections, "band-p_settlement")
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(pts["p_settlement_lo"].min()) and ys.max() == pytest.approx(
        pts["p_settlement_hi"].max()
    )
    assert "enforcement" in ax_p.get_xlabel()
    assert "%" in ax_p.get_ylabel() and "settlement week" in ax_w.get_ylabel()
    assert "P(settlement)" in texts_of(fig)


def test_sweep_heatmap_writes_each_value_in_its_cell() -> None:
    xs, ys = [0.0, 0.5, 1.0], [0.0, 0.25, 0.8]
    rows = [
        {
            "agents.us.levers.sanctions": a,
            "agents.us.levers.guarantees": b,
            "p_settlement": 0.1 + a / 2 + b / 3,
            "p_settlement_lo": 0.0,
            "p_settlement_hi": 1.0,
        }
        for a in xs
        for b in ys
    ]
    pts = pd.DataFrame(rows)
    fig = sweep_heatmap(pts, "agents.us.levers.sanctions", "agents.us.levers.guarantees", "p_settlement", "t", "c")
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    expected = pts.pivot_table(
        index="agents.us.levers.guarantees", columns="agents.us.levers.sanctions", values="p_settlement"
    ).to_numpy()
    np.testing.assert_allclose(np.asarray(image), expected)
    cells = sorted(t.get_text() for t in ax.texts if t.get_gid() == "cell")
    assert cells == sorted(f"{v:.1%}" for v in expected.ravel())
    # the colour scale is fitted to the data, and the chart says so
    norm = ax.images[0].norm
    assert (norm.vmin, norm.vmax) == pytest.approx((expected.min(), expected.max()))
    assert f"{expected.min():.1%} (dark) to {expected.max():.1%} (light)" in ax.get_title(loc="left")
    assert "strength" in ax.get_ylabel() and "enforcement" in ax.get_xlabel()


def test_sobol_bars_show_first_order_and_total_indices() -> None:
    names = ["agents.us.levers.sanctions", "params.costs.energy"]
    sens = {
        "method": "sobol",
        "indices": {
            "p_settlement": {
                "S1": dict(zip(names, [0.1, 0.6], strict=True)),
                "S1_conf": dict(zip(names, [0.05, 0.1], strict=True)),
                "ST": dict(zip(names, [0.2, 0.8], strict=True)),
                "ST_conf": dict(zip(names, [0.05, 0.1], strict=True)),
            }
        },
    }
    fig = sensitivity_bars(sens, "p_settlement", "t", "c")
    ax = fig.axes[0]
    s1 = [b.get_width() for b in by_gid(ax.patches, "bar-S1")]
    st = [b.get_width() for b in by_gid(ax.patches, "bar-ST")]
    assert s1 == [0.1, 0.6] and st == [0.2, 0.8]  # sorted by total index, smallest at the bottom
    assert "Sobol" in ax.get_xlabel()


def test_morris_bars_show_mu_star_and_sigma() -> None:
    names = ["a.b", "c.d"]
    sens = {"p_settlement": {"names": names, "mu_star": [0.3, 0.1], "mu_star_conf": [0.05, 0.02], "sigma": [0.2, 0.05]}}
    fig = sensitivity_bars(sens, "p_settlement", "t", "c")
    ax = fig.axes[0]
    assert [b.get_width() for b in by_gid(ax.patches, "bar-mu_star")] == [0.1, 0.3]
    assert [b.get_width() for b in by_gid(ax.patches, "bar-sigma")] == [0.05, 0.2]
    assert "μ*" in texts_of(fig)


def test_sweep_charts_from_a_real_sweep(tmp_path: Path) -> None:
    sweep_mod = pytest.importorskip("sim.sweep")
    spec = tmp_path / "lhs.yaml"
    spec.write_text(
        f"""name: tiny_lhs
base: {ROOT / "scenarios" / "baseline.yaml"}
set: {{horizon_weeks: 26}}
sampler: lhs
samples: 24
parameters:
  agents.europe.levers.guarantees: {{low: 0, high: 0.8}}
  agents.us.levers.mediation: {{low: 0.5, high: 3}}
  agents.us.levers.sanctions: {{low: 0, high: 1}}
replicates: 60
""",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    sweep_mod.run_sweep(sweep_mod.load_sweep(spec), out)
    paths = write_charts(out, "png")
    assert [p.name for p in paths] == ["discovery.png"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
