"""Text from users' files reaches the charts as plain text; many events cost a bounded number of artists;
PNGs come out at the style's 150 dpi; schedules are marked; a run with overrides is a named variant."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import pytest
import yaml

import sim
from sim.cli import main
from sim.plots import RunInfo, fan_chart, read_manifest, settlement_timing, write_run_charts
from sim.plots.common import MAX_EVENT_MARKS, STYLE, EventMark, event_groups
from sim.variant import derived_name, model_overrides

ROOT = Path(__file__).resolve().parent.parent
MATH = r"$\foo$ and $\alpha"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sc = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml", ["replicates=300", "horizon_weeks=40"])
    out = tmp_path_factory.mktemp("text") / "baseline"
    sim.write_results(sim.run(sc), out)
    return out


@pytest.fixture(scope="module")
def info(run_dir: Path) -> RunInfo:
    return RunInfo.from_result(sim.load_results(run_dir), read_manifest(run_dir))


def test_math_text_in_names_and_labels_is_drawn_plainly(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text())
    data["name"] = MATH
    data["events"]["odd"] = {
        "week": 3,
        "kind": "lever",
        "agent": "us",
        "lever": "aid",
        "value": 0.9,
        "label": r"$\foo$ 50$",
    }
    data.update(replicates=200, horizon_weeks=20)
    data["agents"]["us"]["policies"] = {}
    path = tmp_path / "odd.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "odd"
    main(["run", str(path), "-o", str(out), "-q", "-w", "1"])  # draws the charts: no mathtext error
    files = sorted(p.name for p in (out / "charts").iterdir())
    assert "outcomes.png" in files and all((out / "charts" / f).stat().st_size > 1000 for f in files)
    result = sim.load_results(out)
    fig = fan_chart(result.weekly, "front", RunInfo.from_result(result))
    assert fig.get_suptitle().startswith(MATH)  # the raw text, shown as written
    fig.canvas.draw()  # type: ignore[attr-defined]


def _with_events(info: RunInfo, n: int) -> RunInfo:
    events = tuple(EventMark(1 + (k * 37) % (info.horizon_weeks - 1), f"event number {k}") for k in range(n))
    return dataclasses.replace(info, events=tuple(sorted(events, key=lambda e: e.week)))


def test_many_events_cost_a_bounded_number_of_artists(run_dir: Path, info: RunInfo) -> None:
    weekly = sim.load_results(run_dir).weekly
    counts = {}
    for n in (MAX_EVENT_MARKS + 1, 400, 1200):
        fig = fan_chart(weekly, "front", _with_events(info, n))
        counts[n] = len(fig.findobj())
        assert fig.get_figheight() < 9
    assert counts[1200] <= counts[MAX_EVENT_MARKS + 1] * 1.1, counts
    fig = settlement_timing(sim.load_results(run_dir).outcomes, _with_events(info, 400))
    tags = [t for t in fig.axes[0].texts if str(t.get_gid()).startswith("event-tag-")]
    assert 1 < len(tags) <= MAX_EVENT_MARKS


def test_event_groups_keep_every_event_once_in_date_order() -> None:
    events = [EventMark(w, f"e{w}-{k}") for w in range(1, 60) for k in range(w % 3 + 1)]
    groups = event_groups(events)
    assert len(groups) <= MAX_EVENT_MARKS
    numbers = [k for g in groups for k in g.numbers]
    assert numbers == list(range(1, len(events) + 1))
    assert all(a.last < b.first for a, b in zip(groups, groups[1:], strict=False))
    few = event_groups(events[:5])
    assert [g.first for g in few] == sorted({e.week for e in events[:5]})


def test_png_charts_are_written_at_150_dpi(run_dir: Path, tmp_path: Path, info: RunInfo) -> None:
    paths = write_run_charts(run_dir, "png", tmp_path, charts=["outcomes"])
    data = paths[0].read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    fig = fan_chart(sim.load_results(run_dir).weekly, "front", info)  # any figure: the size in inches
    assert STYLE["savefig.dpi"] == 150
    assert width == pytest.approx(7.5 * 150, abs=2) and height == pytest.approx(3.4 * 150, abs=2)
    assert fig.get_figwidth() == 8.5


def test_schedule_steps_are_marked_like_events(tmp_path: Path) -> None:
    sc = sim.load_scenario(
        ROOT / "scenarios" / "baseline.yaml",
        [
            "replicates=50",
            "horizon_weeks=20",
            "agents.us.policies.tighten={kind: schedule, lever: sanctions, at: {5: 0.6}}",
        ],
    )
    result = sim.run(sc)
    info = RunInfo.from_result(result)
    assert any(e.week == 5 and "us.sanctions -> 0.6" in e.label for e in info.events)


def test_overrides_that_change_the_model_make_a_named_variant() -> None:
    base = ROOT / "scenarios" / "baseline.yaml"
    sc = sim.load_scenario(base, ["params.costs.scale=1.5", "agents.us.levers.aid=0.5", "replicates=20"])
    assert sc.name == "baseline with costs.scale=1.5, us.aid=0.5"
    assert sc.derived_from == "baseline"
    assert sc.overrides == ["params.costs.scale=1.5", "agents.us.levers.aid=0.5"]
    assert sc.dir_name != "baseline"
    plain = sim.load_scenario(base, ["replicates=20", "seed=3", "horizon_weeks=30"])
    assert plain.name == "baseline" and plain.overrides == [] and "overrides" not in plain.resolved_dict()
    assert model_overrides(["name=x", "seed=1", "params.a.b=2"]) == ["params.a.b=2"]
    long = derived_name("baseline", [f"params.costs.p{k}=0.{k}" for k in range(20)])
    assert len(long) <= 100 and "20 overrides" in long


def test_a_variant_says_so_in_the_terminal_summary_json_and_captions(tmp_path: Path, capsys) -> None:
    out = tmp_path / "v"
    main(
        [
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "-n",
            "200",
            "--horizon",
            "20",
            "-w",
            "1",
            "-o",
            str(out),
            "--set",
            "params.costs.scale=1.5",
        ]
    )
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("Leverage · baseline with costs.scale=1.5 ·")
    assert "variant of baseline; overrides: params.costs.scale=1.5" in text
    result = sim.load_results(out)
    assert result.summary["provenance"] == {
        "name": "baseline with costs.scale=1.5",
        "derived_from": "baseline",
        "overrides": ["params.costs.scale=1.5"],
    }
    info = RunInfo.from_result(result)
    assert "variant of 'baseline', overrides: params.costs.scale=1.5" in info.caption
