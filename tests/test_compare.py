"""Comparisons: Newcombe's intervals cover at their nominal rate, pairing follows common random numbers, and
the comparison table and charts show the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.compare import (
    INDEPENDENT,
    PAIRED,
    compare_table,
    format_table,
    load_runs,
    newcombe_independent,
    newcombe_paired,
    pairing,
    write_comparison,
)
from sim.errors import ScenarioError
from sim.plots import OUTCOME_ORDER, compare_outcomes

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["replicates=400", "horizon_weeks=30"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("compare")
    out = {}
    for name, file, extra in (("baseline", "baseline.yaml", []), ("max_pressure", "max_pressure.yaml", []),
                              ("reseeded", "baseline.yaml", ["seed=7"])):
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
    assert "(paired)" in ax_d.get_legend().get_texts()[0].get_text()


def test_write_comparison_writes_table_and_charts(runs: dict[str, Path], tmp_path: Path) -> None:
    table, text, files = write_comparison([runs["baseline"], runs["max_pressure"]], tmp_path, "svg")
    names = {f.name for f in files}
    assert {"comparison.csv", "comparison.txt", "compare_outcomes.svg", "compare_incidence.svg",
            "compare_fan_front.svg"} <= names
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
    assert (tmp_path / "comparison.txt").read_text(encoding="utf-8").strip() == text


def test_compare_needs_two_runs(runs: dict[str, Path]) -> None:
    with pytest.raises(ScenarioError, match="at least two"):
        load_runs([runs["baseline"]])


def test_sim_compare_prints_the_pairing(runs: dict[str, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    main(["compare", str(runs["baseline"]), str(runs["reseeded"]), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "INDEPENDENT" in out and (tmp_path / "compare_outcomes.png").exists()


def test_sim_compare_of_a_missing_directory_exits_2(runs: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", str(runs["baseline"]), str(tmp_path / "nope")])
    assert exc.value.code == 2
    assert "not a results directory" in capsys.readouterr().err
