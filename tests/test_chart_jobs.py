"""`sim run` draws its charts in other processes while it writes the results: the PNGs are byte-identical to
those `sim plot` draws from the finished directory, the results files are those of a run without charts,
and a chart that fails leaves no results directory behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sim
from sim.errors import ScenarioError
from sim.files import atomic_dir
from sim.plots import background as bg
from sim.plots.background import ChartDrawer, shares
from sim.plots.run import RUN_CHARTS, write_run_charts

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")


def test_charts_are_dealt_out_in_turn() -> None:
    assert shares(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]
    assert shares(["a"], 3) == [["a"]]


def test_run_draws_the_same_charts_as_plot_and_writes_the_same_results(run_cli, tmp_path: Path) -> None:
    args = ["run", BASELINE, "-n", "400", "--horizon", "40", "--set", "chunk_size=200", "-q"]
    # two workers: the charts are drawn in other processes; one worker: in this one, after the results
    assert run_cli(*args, "-w", "2", "-o", str(tmp_path / "with"))[0] == 0
    assert run_cli(*args, "-w", "1", "-o", str(tmp_path / "in_process"))[0] == 0
    assert run_cli(*args, "-w", "2", "--no-charts", "-o", str(tmp_path / "without"))[0] == 0
    drawn = sorted(p.name for p in (tmp_path / "with" / "charts").iterdir())
    assert drawn == sorted(f"{c}.png" for c in RUN_CHARTS)
    assert not (tmp_path / "without" / "charts").exists()
    for name in ("outcomes.parquet", "weekly.parquet", "summary.json", "scenario.resolved.yaml"):
        assert (tmp_path / "with" / name).read_bytes() == (tmp_path / "without" / name).read_bytes(), name
    again = write_run_charts(tmp_path / "with", charts=RUN_CHARTS, out=tmp_path / "plot")
    for path in again:
        assert path.read_bytes() == (tmp_path / "with" / "charts" / path.name).read_bytes(), path.name
        assert path.read_bytes() == (tmp_path / "in_process" / "charts" / path.name).read_bytes(), path.name


def test_drawing_processes_only_where_they_pay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 1.0, 1.0))  # a core free beside this process
    assert bg.worth_it(False) and bg.drawing_jobs() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 1.0, 1.0))
    assert bg.drawing_jobs() == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (0.8, 1.0, 1.0))
    assert not bg.worth_it(False)
    monkeypatch.setattr(os, "getloadavg", lambda: (6.0, 1.0, 1.0))
    assert not bg.worth_it(False) and bg.worth_it(True) and bg.drawing_jobs() == 1


def test_a_chart_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    sc = sim.load_scenario(BASELINE, ["replicates=200", "horizon_weeks=20"])
    result = sim.run(sc)
    out = tmp_path / "r"
    with (
        ChartDrawer(["outcomes", "no_such_chart"], jobs=2) as drawer,
        pytest.raises(ScenarioError, match="unknown chart 'no_such_chart'"),
        atomic_dir(out, False) as tmp,
    ):
        sim.results.write_results_into(result, tmp)
        drawer.draw(result, tmp)
        drawer.wait()
    assert not out.exists() and list(tmp_path.iterdir()) == []
