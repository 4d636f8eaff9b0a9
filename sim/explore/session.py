"""The explorer's logic, free of any web framework: what can be changed, the scenario a set of changes makes,
running it paired with the starting scenario, and the child scenario file that reproduces it.

A set of changes is a mapping of dotted paths to values, exactly what a child scenario file would say under
``extends:``: ``agents.us.levers.aid: 0.5``, ``events.budapest_summit: null`` (the event is off),
``events.budapest_summit.probability: 0.8``, ``agents.us.policies.lift_penalty_tariff: null`` (the policy is
off), ``agents.us.policies.lift_penalty_tariff.when: [...]`` (its thresholds), ``params.costs.scale: 1.2`` (an
uncertain parameter fixed at a value). The page's scenario is the starting file's data deep-merged with those
changes, so the saved child file (``extends:`` the starting one) validates to the very same scenario and
``sim run`` on it gives the page's numbers.
"""

from __future__ import annotations

import copy
import math
import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.errors import ScenarioError
from sim.scenario import Scenario, deep_merge, read_scenario_data, validate_scenario

FAST_REPLICATES = 2_000
MAX_REPLICATES = 100_000


def _outcome_labels() -> dict[str, str]:
    """Every outcome of the model in the charts' order, with the charts' plain label (sim.plots.common: they
    follow sim.names, so a renamed or new outcome appears here too)."""
    from sim.plots.common import OUTCOME_ORDER, OUTCOME_STYLE

    return {o: OUTCOME_STYLE[o][0] for o in OUTCOME_ORDER}


OUTCOME_LABELS = _outcome_labels()


@dataclass(frozen=True)
class LeverInfo:
    """One lever as the page shows it: a slider with its label, unit, admissible range and source."""

    agent: str
    name: str
    default: float | None
    lo: float
    hi: float
    unit: str
    label: str
    doc: str
    source: str

    @property
    def path(self) -> str:
        return f"agents.{self.agent}.levers.{self.name}"


def lever_declarations() -> list[LeverInfo]:
    """Every lever of every agent, from the lever declarations (``sim.levers``)."""
    from sim.levers import LEVERS

    return [
        LeverInfo(
            agent,
            name,
            lev.default,
            float(lev.lo),
            float(lev.hi),
            lev.unit,
            lev.label or name.replace("_", " "),
            lev.doc,
            lev.source,
        )
        for agent, table in LEVERS.items()
        for name, lev in table.items()
    ]


def check_lever(lever: LeverInfo, value: Any) -> str | None:
    """Why ``value`` cannot be set on ``lever`` (a line for the page), or None when it can."""
    if value is None:
        return None if lever.default is None else f"{lever.path}: expected a number in [{lever.lo:g}, {lever.hi:g}]"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return f"{lever.path}: expected a number in [{lever.lo:g}, {lever.hi:g}], got {value!r}"
    if not math.isfinite(x) or not lever.lo <= x <= lever.hi:
        return f"{lever.path}: expected a value in [{lever.lo:g}, {lever.hi:g}] {lever.unit}, got {x:g}"
    return None


def nest(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted paths to the nested mapping a child scenario file holds (later paths refine earlier ones)."""
    out: dict[str, Any] = {}
    for path, value in changes.items():
        keys = path.split(".")
        if not all(keys):
            raise ScenarioError(f"{path!r}: empty path component", source="explorer")
        cursor = out
        for key in keys[:-1]:
            nxt = cursor.get(key)
            if not isinstance(nxt, dict):
                nxt = {}
                cursor[key] = nxt
            cursor = nxt
        cursor[keys[-1]] = copy.deepcopy(value)
    return out


@dataclass
class Evaluation:
    """One run of a scenario at a replicate count and seed: what the page shows of it."""

    scenario: Scenario
    replicates: int
    seed: int
    outcome: np.ndarray  # outcome name per replicate, in replicate order
    summary: dict[str, Any]
    weekly: Any  # pandas DataFrame
    outcomes: Any  # pandas DataFrame (replicate, outcome, week, terms, end state, sampled parameters)
    seconds: float
    result: Any = None  # the sim.runner.RunResult, for the charts and the report

    def uncertainty(self) -> dict[str, Any] | None:
        """Each outcome's model uncertainty from this run's own parameter draws (sim.uncertainty): its
        10th-90th percentile across the parameters that decide it, and those parameters. None when the
        scenario samples no parameter."""
        if "_uncertainty" not in self.__dict__:
            from sim.uncertainty import parameter_uncertainty

            self.__dict__["_uncertainty"] = parameter_uncertainty(self.outcomes)
        return self.__dict__["_uncertainty"]  # type: ignore[no-any-return]

    def probability(self, outcome: str) -> tuple[float, float, float]:
        row = self.summary["outcomes"][outcome]
        return float(row["p"]), float(row["lo"]), float(row["hi"])


@dataclass
class Delta:
    outcome: str
    base: float
    value: float
    diff: float
    lo: float
    hi: float
    gained: int  # replicates with the outcome here and not in the starting scenario
    lost: int


class ResultCache:
    """Least-recently-used results by (scenario digest, replicates, seed): moving a slider back is instant."""

    def __init__(self, size: int = 48) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, int], Evaluation] = OrderedDict()

    def get(self, key: tuple[str, int, int]) -> Evaluation | None:
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
        return hit

    def put(self, key: tuple[str, int, int], value: Evaluation) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Explorer:
    """The starting scenario and everything the page may change in it."""

    path: Path
    base_data: dict[str, Any]
    base: Scenario
    cache: ResultCache = field(default_factory=ResultCache)

    @classmethod
    def open(cls, path: str | Path) -> Explorer:
        p = Path(path)
        data = read_scenario_data(p)
        return cls(p, data, validate_scenario(dict(data), str(p)))

    # -- what can be changed ---------------------------------------------------------------------------------
    def levers(self) -> list[tuple[LeverInfo, float | None]]:
        """Every lever with its value in the starting scenario (its week-0 setting)."""
        out = []
        for lev in lever_declarations():
            spec = getattr(self.base.agents, lev.agent)
            value = spec.levers.get(lev.name, lev.default)
            out.append((lev, None if value is None else float(value)))
        return out

    def overrides(self) -> dict[str, list[str]]:
        """For each lever that an event or a policy sets during the run, what does: the page's slider sets
        only the lever's week-0 value, which those then replace."""
        out: dict[str, list[str]] = {}
        for name, ev in self.base.events.items():
            target = ev.target()
            if target is not None:
                prob = "" if ev.probability >= 1 else f" with probability {ev.probability:g}"
                path = f"agents.{target[0]}.levers.{target[1]}"
                out.setdefault(path, []).append(f"event {name} sets it to {ev.value} at week {ev.week}{prob}")
        for agent, name, pol in self.policies():
            out.setdefault(f"agents.{agent}.levers.{pol.lever}", []).append(f"policy {name} ({pol.kind}) sets it")
        return out

    def events(self) -> list[tuple[str, Any]]:
        return list(self.base.events.items())

    def policies(self) -> list[tuple[str, str, Any]]:
        """(agent, policy name, policy) for every policy of every agent."""
        out = []
        for agent in type(self.base.agents).model_fields:
            for name, pol in getattr(self.base.agents, agent).policies.items():
                out.append((agent, name, pol))
        return out

    def uncertain(self) -> list[tuple[str, Any]]:
        """The parameters drawn per replicate (distributions), as (dotted path, distribution)."""
        from sim.distributions import DIST_TYPES
        from sim.params import iter_params

        rows = iter_params(self.base.params, "params") + iter_params(self.base.initial, "initial")
        return [(path, value) for path, value, _extra, _doc in rows if isinstance(value, DIST_TYPES)]

    # -- the scenario a set of changes makes ----------------------------------------------------------------
    def child_name(self) -> str:
        return f"{self.base.name}_explored"[:100]

    def child_description(self) -> str:
        return f"Made in the lever explorer (sim explore) from {self.path.name}."

    def scenario(self, changes: Mapping[str, Any], replicates: int, seed: int) -> Scenario:
        """The starting scenario with ``changes`` (as a child file would apply them), validated."""
        data = deep_merge(self.base_data, nest(changes))
        data["replicates"] = int(replicates)
        data["seed"] = int(seed)
        if changes:  # named as the saved child file names itself, so both validate to the same scenario
            data["name"] = self.child_name()
            data["description"] = self.child_description()
        return validate_scenario(data, f"{self.path} (explorer)")

    def child_file(self, changes: Mapping[str, Any], replicates: int, seed: int, where: Path) -> str:
        """The text of a scenario file that ``extends:`` the starting one with exactly ``changes`` (and the
        page's replicate count and seed), for a file written in directory ``where``."""
        rel = os.path.relpath(self.path.resolve(), where.resolve())
        body: dict[str, Any] = {"extends": rel, "name": self.child_name()}
        if self.base.question:
            body["question"] = self.base.question
        body["description"] = self.child_description()
        body["replicates"] = int(replicates)
        body["seed"] = int(seed)
        body.update(nest(changes))
        header = f"# Saved by `sim explore {self.path}`: the starting scenario with the changes made on the page.\n"
        return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=110)

    # -- running ---------------------------------------------------------------------------------------------
    def evaluate(self, scenario: Scenario) -> Evaluation:
        """Run ``scenario`` in this process (cached by digest, replicates and seed)."""
        import time

        from sim.runner import run

        key = (scenario.digest(), scenario.replicates, scenario.seed)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        started = time.perf_counter()
        result = run(scenario, workers=1)
        outcomes = result.outcomes.sort_values("replicate", kind="stable")
        ev = Evaluation(
            scenario,
            scenario.replicates,
            scenario.seed,
            outcomes["outcome"].astype(str).to_numpy(),
            result.summary,
            result.weekly,
            outcomes,
            time.perf_counter() - started,
            result,
        )
        self.cache.put(key, ev)
        return ev

    def run_pair(self, changes: Mapping[str, Any], replicates: int, seed: int) -> tuple[Evaluation, Evaluation]:
        """The starting scenario and the changed one at the same replicates and seed: common random numbers,
        so replicate i of both saw the same noise and their difference is paired."""
        base = self.evaluate(self.scenario({}, replicates, seed))
        mine = self.evaluate(self.scenario(changes, replicates, seed)) if changes else base
        return base, mine


def paired_deltas(base: Evaluation, mine: Evaluation, outcomes: Iterable[str]) -> list[Delta]:
    """Each outcome's probability here minus in the starting scenario, with Newcombe's paired interval."""
    from sim.compare import newcombe_paired

    out = []
    for o in outcomes:
        a, b = mine.outcome == o, base.outcome == o
        both, only_mine, only_base = int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum())
        neither = a.size - both - only_mine - only_base
        diff, lo, hi = newcombe_paired(both, only_mine, only_base, neither)
        out.append(Delta(o, float(b.mean()), float(a.mean()), diff, lo, hi, only_mine, only_base))
    return out


def describe_changes(explorer: Explorer, changes: Mapping[str, Any]) -> list[str]:
    """One plain line per change, e.g. 'US aid: 1 -> 0.5 x Oct 2025'."""
    levers = {lev.path: (lev, value) for lev, value in explorer.levers()}
    lines = []
    for path, value in changes.items():
        if path in levers:
            lev, before = levers[path]
            was = "null" if before is None else f"{before:g}"
            now = "null" if value is None else f"{float(value):g}"
            lines.append(
                f"{lev.agent.upper() if lev.agent == 'us' else lev.agent.title()} {lev.label}: "
                f"{was} -> {now} {lev.unit}"
            )
        elif path.startswith("events.") and value is None:
            lines.append(f"event {path.split('.')[1]} switched off")
        elif path.startswith("agents.") and ".policies." in path and value is None:
            lines.append(f"policy {path.split('.')[3]} of {path.split('.')[1]} switched off")
        else:
            lines.append(f"{path} = {value}")
    return lines


def uncertainty_text(ev: Evaluation, outcome: str = "settlement") -> str:
    """'; across its uncertain parameters it runs from 30% to 70% (10th-90th percentile), decided mostly
    by params.x and params.y' or '' when the run samples nothing that matters."""
    u = ev.uncertainty()
    row = (u or {}).get("outcomes", {}).get(outcome)
    if not row or not row.get("drivers"):
        return ""
    names = " and ".join(d["parameter"] for d in row["drivers"][:2])
    return (
        f"; across the model's uncertain parameters it would lie between {row['p10']:.0%} and {row['p90']:.0%} "
        f"(10th–90th percentile), decided mostly by {names}"
    )


def plain_summary(explorer: Explorer, changes: Mapping[str, Any], base: Evaluation, mine: Evaluation) -> str:
    """A paragraph a reader can quote: the settlement odds here, against the starting scenario."""
    horizon = mine.scenario.horizon_weeks
    p, lo, hi = mine.probability("settlement")
    text = (
        f"In {mine.replicates:,} simulated worlds, a negotiated settlement within {horizon} weeks happens in "
        f"{p:.0%} of them (95% Monte Carlo interval {lo:.0%}–{hi:.0%}){uncertainty_text(mine)}"
    )
    if not changes:
        return text + f"; this is the starting scenario, {explorer.base.name}, as written."
    d = paired_deltas(base, mine, ["settlement"])[0]
    direction = "raise" if d.diff > 0 else "lower"
    sure = d.lo > 0 or d.hi < 0
    text += (
        f". Against {explorer.base.name} on the same random numbers, your changes "
        f"({'; '.join(describe_changes(explorer, changes))}) {direction} it by {abs(d.diff) * 100:.1f} points "
        f"(95% interval {d.lo * 100:+.1f} to {d.hi * 100:+.1f})"
    )
    text += (
        f": {d.gained:,} worlds gain a settlement and {d.lost:,} lose one."
        if sure
        else "; the difference is within Monte Carlo noise at this replicate count."
    )
    return text
