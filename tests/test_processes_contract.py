"""Every process does what it declares: it reads, writes, pulls and passes on exactly the state, levers and
flows it names, and the schedule runs in the order docs/model.md gives.

The model is stepped with an instrumented week that records, for the process running, every state variable
read or written, every lever read and every flow taken or set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.levers import LEVERS, PROCESSES
from sim.model import ALWAYS_SET, SCHEDULE, PressureModel
from sim.processes.base import Process
from sim.scenario import load_scenario
from sim.state import COMMITTED, DERIVED, TALLIES, State
from sim.week import FLOWS, Week
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


class RecordingWeek(Week):
    """A week that records what the running process (``current``) touches."""

    def __init__(self, week: Week, log: dict[str, dict[str, set[str]]]) -> None:
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "current", None)
        for key, value in vars(week).items():
            object.__setattr__(self, key, value)

    def _touch(self, what: str, name: str) -> None:
        current = object.__getattribute__(self, "current")
        if current is not None:
            object.__getattribute__(self, "_log")[current][what].add(name)

    def read(self, name: str) -> np.ndarray:
        self._touch("reads", name)
        return super().read(name)

    def write(self, name: str, value: np.ndarray) -> None:
        self._touch("writes", name)
        super().write(name, value)

    def lever(self, agent: str, name: str) -> np.ndarray:
        self._touch("levers", f"{agent}.{name}")
        return super().lever(agent, name)

    def __getattribute__(self, name: str) -> Any:
        if name in FLOWS:
            current = object.__getattribute__(self, "current")
            log = object.__getattribute__(self, "_log")
            if current is not None and name not in log[current]["flows_out"]:
                log[current]["flows_in"].add(name)
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in FLOWS:
            self._touch("flows_out", name)
        object.__setattr__(self, name, value)


class Running:
    """Runs ``process`` with the recording week's ``current`` set to its name."""

    def __init__(self, process: Process) -> None:
        self.process = process

    def step(self, m: Any, w: Week) -> None:
        object.__setattr__(w, "current", self.process.name)
        try:
            self.process.step(m, w)
        finally:
            object.__setattr__(w, "current", None)


def touched(scenario: str, weeks: int, *overrides: str) -> dict[str, dict[str, set[str]]]:
    """What each scheduled process, each agent's decision and termination touched over ``weeks`` weeks."""
    sc = load_scenario(SCENARIOS / scenario, ["replicates=400", *overrides])
    model = PressureModel(sc, 400)
    log: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    begin = model.begin_week
    model.begin_week = lambda: RecordingWeek(begin(), log)  # type: ignore[method-assign]
    model.schedule = [Running(p) for p in model.schedule]  # type: ignore[misc]

    def as_named(name: str, method: Any) -> Any:
        def run(*args: Any) -> Any:
            w = next(a for a in args if isinstance(a, Week))
            object.__setattr__(w, "current", name)
            try:
                return method(*args)
            finally:
                object.__setattr__(w, "current", None)

        return run

    for agent in model.by_key.values():
        if agent.decision:
            agent.decide = as_named(agent.decision, agent.decide)  # type: ignore[method-assign]
    model.terminate = as_named("termination", model.terminate)  # type: ignore[method-assign]
    for _ in range(weeks):
        model.step()
    return log


@pytest.fixture(scope="module")
def baseline_log() -> dict[str, dict[str, set[str]]]:
    return touched("baseline.yaml", 30)


@pytest.mark.parametrize("process", SCHEDULE, ids=lambda p: p.name)
def test_each_process_touches_exactly_what_it_declares(
    process: Process, baseline_log: dict[str, dict[str, set[str]]]
) -> None:
    log = baseline_log[process.name]
    # a driver another process projects is read through its projection (negotiation: strain, deficit)
    projected = set().union(*(p.projects for p in SCHEDULE))
    assert log["reads"] <= set(process.reads)
    assert set(process.reads) - log["reads"] <= projected
    assert log["writes"] == set(process.writes)
    assert log["levers"] == set(process.levers)
    assert log["flows_in"] == set(process.flows_in)
    assert log["flows_out"] == set(process.flows_out)


def test_each_lever_is_read_exactly_by_its_declared_channels(baseline_log: dict[str, dict[str, set[str]]]) -> None:
    assert list(PROCESSES) == [p.name for p in SCHEDULE]
    read_by: dict[str, set[str]] = defaultdict(set)
    for channel, log in baseline_log.items():
        for path in log["levers"]:
            read_by[path].add(channel)
    declared = {f"{agent}.{name}": set(lever.channels) for agent, t in LEVERS.items() for name, lever in t.items()}
    assert dict(read_by) == declared
    for process in SCHEDULE:
        assert set(process.levers) == {path for path, channels in declared.items() if process.name in channels}


def test_every_flow_a_process_takes_is_produced_before_it() -> None:
    produced = set(ALWAYS_SET)
    for process in SCHEDULE:
        assert set(process.flows_in) <= produced, (process.name, set(process.flows_in) - produced)
        produced |= set(process.flows_out)
    assert produced == set(FLOWS)


def test_every_state_variable_is_committed_derived_or_tallied_and_processes_write_the_committed() -> None:
    names = set(State.__annotations__) - {"S"}
    groups = (set(COMMITTED), set(DERIVED), set(TALLIES))
    assert set.union(*groups) == names
    assert sum(len(g) for g in groups) == len(names)  # in exactly one
    written = set().union(*(p.writes for p in SCHEDULE))
    assert written == set(COMMITTED)


def test_the_schedule_is_the_order_of_docs_model() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    section = text[text.index("## 3. The weekly step") : text.index("## 4.")]
    documented = re.findall(r"^\s*\| `(\w+)` \|", section, flags=re.M)
    assert documented == [p.name for p in SCHEDULE]


def test_a_switched_off_process_is_absent_and_its_flows_keep_their_defaults() -> None:
    sc = load_scenario(SCENARIOS / "validation" / "gamblers_ruin.yaml", ["replicates=50"])
    model = PressureModel(sc, 50)
    on = [p.name for p in model.schedule]
    expected = [p.name for p in SCHEDULE if all(getattr(sc.switches, s) for s in p.switches)]
    assert on == expected and "negotiation" not in on
    assert set(model.flow_defaults) == set(FLOWS) - set(ALWAYS_SET) - set().union(
        *(p.flows_out for p in model.schedule)
    )
    model.run()
    assert np.isnan(model.last_offer).all() and (model.talks_held == 0).all()


def test_processes_switched_off_read_nothing_and_leave_their_state_alone() -> None:
    log = touched("baseline.yaml", 6, "switches.oil=false", "switches.strikes=false", "switches.escalation=false")
    assert "oil" not in log and "strikes" not in log and "escalation" not in log
    # without their projections, negotiation holds strain and deficit at this week's values
    negotiation = next(p for p in SCHEDULE if p.name == "negotiation")
    assert log["negotiation"]["reads"] == set(negotiation.reads) - {"grid_ua", "buffer_ru", "revenue_ru"}
    sc = load_scenario(SCENARIOS / "baseline.yaml", ["replicates=100", "switches.oil=false"])
    model = PressureModel(sc, 100)
    brent0 = model.brent.copy()
    model.run()
    assert np.array_equal(model.brent, brent0)
