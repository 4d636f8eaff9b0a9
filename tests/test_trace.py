"""Sample paths: a replayed replicate ends as recorded, in any chunk; the representative replicate is the one
nearest the median week; the timeline has dates, events, talks and the end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.trace import replay, representative, trace_run

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Three chunks, the last one partial: replicate r lives in chunk r // 200 at index r % 200.
    sc = sim.load_scenario(
        ROOT / "scenarios" / "baseline.yaml", ["replicates=500", "horizon_weeks=30", "chunk_size=200"]
    )
    return sim.write_results(sim.run(sc), tmp_path_factory.mktemp("trace") / "baseline")


@pytest.fixture(scope="module")
def result(run_dir: Path) -> sim.RunResult:
    return sim.load_results(run_dir)


@pytest.mark.parametrize("replicate", [0, 7, 199, 200, 411, 499])
def test_replay_ends_as_recorded_in_every_chunk(result: sim.RunResult, replicate: int) -> None:
    tr = replay(result, replicate)
    assert (tr.chunk, tr.index) == divmod(replicate, 200)
    assert tr.matches, (tr.recorded, tr.replayed)
    row = result.outcomes.set_index("replicate").loc[replicate]
    assert tr.recorded["outcome"] == str(row["outcome"]) and tr.recorded["week"] == int(row["week"])
    for name, value in tr.parameters.items():
        assert value == pytest.approx(row[name])


def test_timeline_has_dates_events_and_an_end(result: sim.RunResult) -> None:
    rep, _why = representative(result.outcomes, "settlement")
    tr = replay(result, rep)
    weeks = [e.week for e in tr.entries]
    assert weeks == sorted(weeks) and weeks[0] == 0
    assert all(e.date == dt.date(2025, 10, 16) + dt.timedelta(weeks=e.week) for e in tr.entries)
    kinds = [e.kind for e in tr.entries]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("end") == 1
    assert tr.entries[-1].week == tr.recorded["week"]
    assert "settlement" in tr.entries[-1].text
    assert any(e.kind == "talks" and "V_ru=" in e.text and "offer=" in e.text for e in tr.entries)
    assert any(e.kind == "event" and "White House" in e.text and e.week == 1 for e in tr.entries)
    assert len(tr.path) == tr.recorded["week"] + 1 and tr.path[0]["front"] == pytest.approx(0.83)
    text = tr.format()
    assert "Replay: identical" in text and "23 Oct 2025" in text


def test_an_ongoing_replicate_reaches_the_horizon(result: sim.RunResult) -> None:
    if not (result.outcomes["outcome"].astype(str) == "ongoing").any():
        pytest.skip("no ongoing replicate in this run")
    rep, _ = representative(result.outcomes, "ongoing")
    tr = replay(result, rep)
    assert tr.entries[-1].week == 30 and "horizon reached" in tr.entries[-1].text


def test_representative_is_nearest_the_median_week() -> None:
    outcomes = pd.DataFrame(
        {
            "replicate": [0, 1, 2, 3, 4, 5],
            "week": [5, 10, 20, 30, 12, 10],
            "outcome": ["settlement", "settlement", "settlement", "settlement", "ongoing", "settlement"],
            "terms": [0.7, 0.9, 0.8, 0.75, float("nan"), 0.78],
            "end.front": [0.8] * 6,
        }
    )
    # settlement weeks 5, 10, 10, 20, 30: median 10; replicates 1 and 5 tie on the week, 5 has the terms
    # nearer the median terms (0.78)
    rep, why = representative(outcomes, "settlement")
    assert rep == 5 and "median week (10)" in why
    with pytest.raises(ScenarioError, match="no replicate ended in 'escalation'"):
        representative(outcomes, "escalation")
    with pytest.raises(ScenarioError, match="unknown outcome"):
        representative(outcomes, "victory")


def test_a_changed_record_is_reported_as_not_deterministic(result: sim.RunResult) -> None:
    tampered = sim.RunResult(result.scenario, result.outcomes.copy(), result.weekly, result.summary)
    tampered.outcomes.loc[tampered.outcomes["replicate"] == 3, "week"] = 1
    tr = replay(tampered, 3)
    assert not tr.matches
    assert "WARNING" in tr.format()


def test_trace_run_takes_a_replicate_or_an_outcome(run_dir: Path) -> None:
    with pytest.raises(ScenarioError, match="either"):
        trace_run(run_dir)
    with pytest.raises(ScenarioError, match="either"):
        trace_run(run_dir, 1, "settlement")
    with pytest.raises(ScenarioError, match="out of range"):
        trace_run(run_dir, 500)
    tr = trace_run(run_dir, outcome="settlement")
    assert tr.chosen_because.startswith("the representative 'settlement' replicate")


def test_sim_trace_json(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(run_dir), "--replicate", "42", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["replicate"] == 42 and data["matches"] is True
    assert data["entries"][0]["date"] == "2025-10-16" and data["path"][0]["week"] == 0


def test_sim_trace_text(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", str(run_dir), "--outcome", "settlement"])
    out = capsys.readouterr().out
    assert "Chosen as the representative" in out and "ended: settlement" in out
