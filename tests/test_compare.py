"""Comparisons: Newcombe's intervals cover at their nominal rate, pairing follows common random numbers, and
the comparison table and charts show the same numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.compare import (
    INDEPENDENT,
    INDEPENDENT_WEIGHTED,
    PAIRED,
    PAIRED_WEIGHTED,
    compare_table,
    format_table,
    load_runs,
    newcombe_independent,
    newcombe_paired,
    pairing,
    weighted_paired,
    write_comparison,
)
from sim.errors import ScenarioError
from sim.observe import effective_sample_size
from sim.plots import OUTCOME_ORDER, compare_outcomes

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["replicates=400", "horizon_weeks=30"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("compare")
    out = {}
    for name, file, extra in (
        ("baseline", "baseline.yaml", []),
        ("max_pressure", "max_pressure.yaml", []),
        ("reseeded", "baseline.yaml", ["seed=7"]),
    ):
        sc = sim.load_scenario(ROOT / "scenarios" / file, SMALL + extra)
        out[name] = sim.write_results(sim.run(sc), base / name)
    return out


def paired_table(x1: np.ndarray, x2: np.ndarray) -> tuple[int, int, int, int]:
    return (int((x1 & x2).sum()), int((x1 & ~x2).sum()), int((~x1 & x2).sum()), int((~x1 & ~x2).sum()))


def test_paired_interval_covers_the_true_difference_at_about_95_percent() -> None:
    rng = np.random.default_rng(11)
    n, sims, hits = 300, 600, 0
    # Correlated pairs: a shared uniform decides both indicators, as common random numbers do.
    p1, p2 = 0.35, 0.28
    for _ in range(sims):
        u = rng.random(n)
        noise = rng.random(n) < 0.1
        x1 = u < p1
        x2 = np.where(noise, rng.random(n) < p2, u < p2)
        _d, lo, hi = newcombe_paired(*paired_table(x1, x2))
        hits += lo <= (p1 - p2) <= hi
    assert 0.92 <= hits / sims <= 0.99


def test_independent_interval_covers_the_true_difference_at_about_95_percent() -> None:
    rng = np.random.default_rng(12)
    hits, sims = 0, 800
    for _ in range(sims):
        k1, k2 = rng.binomial(200, 0.3), rng.binomial(250, 0.2)
        _d, lo, hi = newcombe_independent(k1, 200, k2, 250)
        hits += lo <= 0.1 <= hi
    assert 0.92 <= hits / sims <= 0.99


def test_pairing_narrows_the_interval_of_correlated_runs() -> None:
    rng = np.random.default_rng(3)
    u = rng.random(2000)
    x1, x2 = u < 0.5, u < 0.45
    d_p, lo_p, hi_p = newcombe_paired(*paired_table(x1, x2))
    d_i, lo_i, hi_i = newcombe_independent(int(x1.sum()), 2000, int(x2.sum()), 2000)
    assert d_p == pytest.approx(d_i) == pytest.approx(x1.mean() - x2.mean())
    assert lo_p <= d_p <= hi_p
    assert (hi_p - lo_p) < 0.5 * (hi_i - lo_i)


def test_intervals_stay_finite_and_inside_minus_one_one_at_the_edges() -> None:
    for cells in [(0, 0, 0, 100), (100, 0, 0, 0), (0, 100, 0, 0), (0, 0, 100, 0), (0, 3, 0, 97)]:
        d, lo, hi = newcombe_paired(*cells)
        assert -1 <= lo <= d <= hi <= 1 and np.isfinite([lo, hi]).all()
    d, lo, hi = newcombe_independent(0, 50, 0, 50)
    assert lo < 0 < hi and d == 0


def test_runs_with_the_same_seed_are_paired_and_others_independent(runs: dict[str, Path]) -> None:
    loaded = load_runs([runs["baseline"], runs["max_pressure"], runs["reseeded"]])
    assert pairing(loaded[0], loaded[1]) == (True, "")
    paired, why = pairing(loaded[0], loaded[2])
    assert not paired and "seeds differ" in why
    table = compare_table(loaded)
    assert set(table.loc[table["run"] == "max_pressure", "pairing"]) == {PAIRED}
    assert set(table.loc[table["run"] == "reseeded", "pairing"]) == {INDEPENDENT}
    text = format_table(table, loaded)
    assert "max_pressure vs baseline: paired" in text
    assert "reseeded vs baseline: INDEPENDENT samples (seeds differ" in text


def test_the_table_matches_each_run_and_its_difference(runs: dict[str, Path]) -> None:
    loaded = load_runs([runs["baseline"], runs["max_pressure"]])
    table = compare_table(loaded).set_index(["run", "outcome"])
    for run in loaded:
        for o in OUTCOME_ORDER:
            assert table.loc[(run.label, o), "p"] == pytest.approx(run.result.summary["outcomes"][o]["p"])
    for o in OUTCOME_ORDER:
        diff = table.loc[("max_pressure", o), "p"] - table.loc[("baseline", o), "p"]
        row = table.loc[("max_pressure", o)]
        assert row["diff"] == pytest.approx(diff)
        assert row["diff_lo"] <= row["diff"] <= row["diff_hi"]
    assert (table.loc["baseline", "diff"] == 0).all()


def test_compare_chart_shows_the_table(runs: dict[str, Path]) -> None:
    loaded = load_runs([runs["baseline"], runs["max_pressure"]])
    table = compare_table(loaded)
    fig = compare_outcomes(table, "t", "c")
    ax_p, ax_d = fig.axes[:2]
    widths = [b.get_width() for b in ax_p.patches if b.get_gid() == "p-max_pressure"]
    assert widths == pytest.approx(table.loc[table["run"] == "max_pressure", "p"].tolist())
    (points,) = [ln for ln in ax_d.lines if ln.get_gid() == "diff-max_pressure" and ln.get_marker() == "o"]
    assert list(points.get_xdata()) == pytest.approx(table.loc[table["run"] == "max_pressure", "diff"].tolist())
    assert "percentage points" in ax_d.get_xlabel()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]  # one legend under both panels
    assert any(t.endswith("(paired)") and t.startswith("max_pressure − baseline") for t in texts), texts


def test_write_comparison_writes_table_and_charts(runs: dict[str, Path], tmp_path: Path) -> None:
    table, text, files = write_comparison([runs["baseline"], runs["max_pressure"]], tmp_path, "svg")
    names = {f.name for f in files}
    assert {
        "comparison.csv",
        "comparison.txt",
        "compare_outcomes.svg",
        "compare_incidence.svg",
        "compare_fan_front.svg",
    } <= names
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
    assert (tmp_path / "comparison.txt").read_text(encoding="utf-8").strip() == text


def test_compare_needs_two_runs(runs: dict[str, Path]) -> None:
    with pytest.raises(ScenarioError, match="at least two"):
        load_runs([runs["baseline"]])


def test_sim_compare_prints_the_pairing(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["compare", str(runs["baseline"]), str(runs["reseeded"]), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "INDEPENDENT" in out and (tmp_path / "compare_outcomes.png").exists()


def test_sim_compare_of_a_missing_directory_exits_2(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(runs["baseline"]), str(tmp_path / "nope")])
    assert exc.value.code == 2
    assert "not a results directory" in capsys.readouterr().err


# ---- conditioned (weighted) runs ----


@pytest.fixture(scope="module")
def conditioned(conditioned_pair: dict[str, Path]) -> dict[str, Path]:
    return conditioned_pair


def test_a_conditioned_run_is_compared_with_its_weights(conditioned: dict[str, Path]) -> None:
    loaded = load_runs([conditioned["prior"], conditioned["posterior"]])
    prior, post = loaded
    assert prior.weights is None and post.weights is not None
    assert pairing(prior, post) == (True, "")
    table = compare_table(loaded).set_index(["run", "outcome"])
    summary = json.loads((conditioned["posterior"] / "summary.json").read_text(encoding="utf-8"))
    for o in OUTCOME_ORDER:
        row = table.loc[(post.label, o)]
        # the probabilities and intervals of the conditioned run's summary.json (Wilson with n = ESS)
        assert row["p"] == pytest.approx(summary["outcomes"][o]["p"])
        assert row["lo"] == pytest.approx(summary["outcomes"][o]["lo"])
        assert row["hi"] == pytest.approx(summary["outcomes"][o]["hi"])
        assert row["ess"] == pytest.approx(summary["ess"])
        assert row["pairing"] == PAIRED_WEIGHTED
        assert row["diff"] == pytest.approx(row["p"] - table.loc[(prior.label, o), "p"])
        assert row["diff_lo"] <= row["diff"] <= row["diff_hi"]
    # Ruling out an end by March drops the settlements before it: settlement falls, 'ongoing' rises, and the
    # paired interval is clear of zero.
    settle, ongoing = table.loc[(post.label, "settlement")], table.loc[(post.label, "ongoing")]
    assert settle["diff"] < -0.02 and settle["diff_hi"] < 0
    assert ongoing["diff"] > 0.02 and ongoing["diff_lo"] > 0
    assert settle["p"] == pytest.approx(
        float(
            post.weights[  # type: ignore[index]
                post.result.outcomes["outcome"].astype(str).to_numpy() == "settlement"
            ].sum()
        )
    )
    text = format_table(compare_table(loaded), loaded)
    assert f"{post.label} vs {prior.label}: paired weighted differences" in text
    assert "n = ESS" in text and "MOVER" in text
    (line,) = [ln for ln in text.splitlines() if ln.startswith(post.label) and " settlement " in ln]
    assert f"{100 * settle['diff']:+.1f} pts" in line and "+0.0 pts" not in line


def test_a_conditioned_run_can_be_the_baseline(conditioned: dict[str, Path]) -> None:
    loaded = load_runs([conditioned["posterior"], conditioned["prior"]])
    table = compare_table(loaded).set_index(["run", "outcome"])
    forward = compare_table(load_runs([conditioned["prior"], conditioned["posterior"]])).set_index(["run", "outcome"])
    post, prior = loaded[0].label, loaded[1].label
    for o in OUTCOME_ORDER:
        assert table.loc[(prior, o), "pairing"] == PAIRED_WEIGHTED
        assert table.loc[(prior, o), "diff"] == pytest.approx(-forward.loc[(post, o), "diff"])
        assert table.loc[(prior, o), "diff_lo"] == pytest.approx(-forward.loc[(post, o), "diff_hi"])


def test_weighted_run_against_an_unpaired_one_is_independent_with_n_ess(runs: dict[str, Path], tmp_path: Path) -> None:
    # Weights constructed directly on a copy of the reseeded run: unpaired with the baseline (seeds differ).
    weighted = tmp_path / "reseeded_weighted"
    shutil.copytree(runs["reseeded"], weighted)
    outcomes = pd.read_parquet(weighted / "outcomes.parquet")
    w = np.exp(-(((outcomes["terms"].fillna(0.8).to_numpy() - 0.75) / 0.05) ** 2))
    outcomes["weight"] = w / w.sum()
    outcomes.to_parquet(weighted / "outcomes.parquet")
    loaded = load_runs([runs["baseline"], weighted])
    table = compare_table(loaded).set_index(["run", "outcome"])
    ess = effective_sample_size(outcomes["weight"].to_numpy())
    base_out = loaded[0].result.outcomes["outcome"].astype(str).to_numpy()
    for o in OUTCOME_ORDER:
        row = table.loc[(loaded[1].label, o)]
        assert row["pairing"] == INDEPENDENT_WEIGHTED and "seeds differ" in row["note"]
        k = int((base_out == o).sum())
        expected = newcombe_independent(row["p"] * ess, ess, k, base_out.size)
        assert (row["diff"], row["diff_lo"], row["diff_hi"]) == pytest.approx(expected)
    assert "INDEPENDENT samples (seeds differ" in format_table(compare_table(loaded), loaded)


def test_unweighted_runs_keep_the_unweighted_methods(runs: dict[str, Path]) -> None:
    loaded = load_runs([runs["baseline"], runs["max_pressure"], runs["reseeded"]])
    table = compare_table(loaded)
    assert set(table["pairing"]) == {"baseline", PAIRED, INDEPENDENT}
    assert (table["ess"] == table["n"]).all()
    assert "weighted" not in format_table(table, loaded)


def test_weighted_paired_with_equal_weights_uses_the_phi_of_the_table() -> None:
    rng = np.random.default_rng(5)
    u = rng.random(500)
    x1, x2 = u < 0.4, u < 0.33
    w = np.full(500, 1 / 500)
    d, lo, hi, rho = weighted_paired(x1, w, x2, w)
    a, b, c, dd = paired_table(x1, x2)
    phi = (a * dd - b * c) / np.sqrt((a + b) * (c + dd) * (a + c) * (b + dd))
    assert rho == pytest.approx(phi)
    assert d == pytest.approx(x1.mean() - x2.mean())
    # Newcombe's paired interval differs only by its continuity correction of phi
    _, lo_n, hi_n = newcombe_paired(a, b, c, dd)
    assert lo == pytest.approx(lo_n, abs=0.01) and hi == pytest.approx(hi_n, abs=0.01)
    # the same weights and indicators on both sides: no difference, an interval of next to no width
    d0, lo0, hi0, rho0 = weighted_paired(x1, w, x1, w)
    assert d0 == 0 and rho0 == pytest.approx(1) and hi0 - lo0 < 0.005


def test_weighted_paired_interval_covers_the_true_difference_at_about_95_percent() -> None:
    # A prior sample of n replicates, reweighted by a Gaussian kernel on a noisy observation of the latent
    # variable that also decides the outcome: the weighted share against the plain share of the same sample.
    rng = np.random.default_rng(21)
    big = rng.random(1_000_000)
    obs = np.clip(big + rng.normal(0, 0.2, big.size), 0, 1)
    kernel = np.exp(-(((obs - 0.3) / 0.12) ** 2) / 2)
    truth = float(kernel @ (big < 0.4) / kernel.sum() - 0.4)
    n, sims, hits = 400, 500, 0
    for _ in range(sims):
        u = rng.random(n)
        w = np.exp(-(((np.clip(u + rng.normal(0, 0.2, n), 0, 1) - 0.3) / 0.12) ** 2) / 2)
        _d, lo, hi, _rho = weighted_paired(u < 0.4, w / w.sum(), u < 0.4, np.full(n, 1 / n))
        hits += lo <= truth <= hi
    assert 0.92 <= hits / sims <= 0.99
