"""Property-based tests (hypothesis) for every field of every file format: a scenario, a sweep and an
observations file. Each field in turn gets NaN, infinities, huge and negative numbers, wrong types, control
characters, huge text and collections; the answer is always one ScenarioError of one line naming the file
(what the CLI prints with exit status 2, before anything is written). In process, to stay fast; a few
subprocess checks at the end confirm the exit status and that nothing is written."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.observe.observations import read_observations
from sim.params import Initial, Params
from sim.scenario import LEVERS, validate_scenario
from sim.sweep import load_sweep
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)
from tests.conftest import ROOT

# Values no field of any format accepts: every numeric field is finite and bounded, every text field has no
# control characters and at most 20,000 characters, every mapping's keys are plain text, every list holds its
# own type.
UNIVERSALLY_BAD: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    1e300,
    -1e300,
    "\x00",
    "a\x1b[31mred",
    "x" * 20_001,
    {"\x00": 1},
    [math.nan],
]
BAD = st.sampled_from(UNIVERSALLY_BAD)


def _full_scenario() -> dict[str, Any]:
    """A scenario that sets every field there is (every parameter, lever, policy kind and event kind)."""
    params = Params().model_dump(mode="json", by_alias=True)
    initial = Initial().model_dump(mode="json", by_alias=True)
    return {
        "name": "fuzz",
        "description": "d",
        "question": "q",
        "start_date": "2025-10-16",
        "horizon_weeks": 20,
        "replicates": 10,
        "seed": 1,
        "chunk_size": 10,
        "initial": initial,
        "params": params,
        "agents": {
            "us": {
                "levers": {
                    name: lever.default if hasattr(lever, "default") else lever[0]
                    for name, lever in LEVERS["us"].items()
                },
                "policies": {
                    "s": {"kind": "schedule", "lever": "aid", "at": {2: 1.5}, "label": "l"},
                    "r": {
                        "kind": "rule",
                        "lever": "sanctions",
                        "value": 0.5,
                        "when": [{"var": "front", "op": "<", "value": 0.8}],
                        "for_weeks": 2,
                        "once": True,
                        "probability": 0.5,
                        "from_week": 1,
                        "until_week": 10,
                        "label": "l",
                    },
                    "p": {
                        "kind": "response",
                        "lever": "mediation",
                        "var": "front",
                        "base": 1,
                        "slope": 2,
                        "ref": 0.5,
                        "min": 0,
                        "max": 5,
                        "from_week": 1,
                        "label": "l",
                    },
                },
            },
            "russia": {"levers": {"offensive": 1.0}},
        },
        "events": {
            "summit": {"week": 3, "kind": "summit", "probability": 0.5, "label": "l"},
            "salvo": {"week": 4, "kind": "salvo", "value": 500},
            "lever": {"week": 5, "kind": "lever", "agent": "india", "lever": "purchase_cap", "value": 0.5},
            "tariff": {"week": 6, "kind": "tariff", "value": 50},
        },
        "switches": {"oil": True, "strikes": True},
        "trajectories": ["front"],
    }


def _leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value and every path to a mapping or list (the containers themselves are fields too)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _leaf_paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _leaf_paths(v, (*prefix, i))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    cursor = out
    for key in path[:-1]:
        cursor = cursor[key]
    cursor[path[-1]] = value
    return out


FULL = _full_scenario()
SCENARIO_PATHS = _leaf_paths(FULL)


def test_the_full_scenario_is_valid() -> None:
    sc = validate_scenario(FULL, "fuzz.yaml")
    assert len(sc.events) == 4 and len(sc.agents.us.policies) == 3
    assert len(SCENARIO_PATHS) > 150  # every parameter and initial value is among them


def _refused(call: Any, source: str) -> str:
    with pytest.raises(ScenarioError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and "\r" not in message and message.isprintable(), repr(message)
    assert message.startswith(source), message
    return message


@settings(max_examples=400)
@given(path=st.sampled_from(SCENARIO_PATHS), bad=BAD)
def test_every_scenario_field_refuses_bad_values(path: tuple[Any, ...], bad: Any) -> None:
    if path == ("trajectories",) and bad == [math.nan]:
        pass  # still refused: a list of numbers is not a list of names
    data = _set(FULL, path, bad)
    message = _refused(lambda: validate_scenario(data, "fuzz.yaml"), "fuzz.yaml: ")
    assert str(path[0]) in message


@settings(max_examples=60)
@given(
    where=st.sampled_from(["events", "agents.us.policies", "params.front.p0.values", "trajectories"]),
    size=st.sampled_from([100_001, 20_000]),
)
def test_huge_collections_are_refused(where: str, size: int) -> None:
    data = copy.deepcopy(FULL)
    if where == "events":
        data["events"] = {f"e{i}": {"week": 1, "kind": "summit"} for i in range(size // 10)}
    elif where == "agents.us.policies":
        data["agents"]["us"]["policies"] = {
            f"p{i}": {"kind": "schedule", "lever": "aid", "at": {1: 1}} for i in range(size // 100)
        }
    elif where == "trajectories":
        data["trajectories"] = ["front"] * (size // 100)
    else:
        data["params"]["front"]["p0"] = {"dist": "choice", "values": [0.5] * size}
    message = _refused(lambda: validate_scenario(data, "fuzz.yaml"), "fuzz.yaml: ")
    assert "expected at most" in message


@settings(max_examples=100)
@given(path=st.sampled_from(SCENARIO_PATHS), wrong=st.sampled_from([[], [[1]], {"a": {"b": []}}, "\u202e"]))
def test_every_scenario_field_answers_wrong_types_in_one_line(path: tuple[Any, ...], wrong: Any) -> None:
    """Wrong types may be valid in a few places ([] is an empty list of trajectories); where they are not,
    the answer is one line."""
    data = _set(FULL, path, wrong)
    try:
        validate_scenario(data, "fuzz.yaml")
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc).isprintable()


# ---- sweep files --------------------------------------------------------------------------------------------

BASE_SCENARIO = "name: base\nhorizon_weeks: 8\nreplicates: 4\nchunk_size: 4\n"
SWEEP = {
    "name": "fz",
    "description": "d",
    "question": "q",
    "base": "base.yaml",
    "set": {"agents.us.levers.aid": 1.5},
    "sampler": "lhs",
    "samples": 4,
    "parameters": {
        "agents.us.levers.sanctions": {"low": 0.1, "high": 0.9, "scale": "linear", "integer": False},
        "agents.us.levers.penalty_tariff": {"values": [0, 25]},
    },
    "replicates": 2,
    "seed": 3,
    "chunk_size": 2,
    "metrics": ["p_settlement", "mean_terms"],
    "resamples": 100,
}
SWEEP_PATHS = _leaf_paths(SWEEP)


def _load_sweep_text(data: dict[str, Any]) -> Any:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "base.yaml").write_text(BASE_SCENARIO)
        (Path(d) / "sw.yaml").write_text(yaml.safe_dump(data, allow_unicode=False))
        return load_sweep(Path(d) / "sw.yaml")


def test_the_full_sweep_is_valid() -> None:
    assert len(_load_sweep_text(SWEEP).design) == 4


@settings(max_examples=200)
@given(path=st.sampled_from(SWEEP_PATHS), bad=BAD)
def test_every_sweep_field_refuses_bad_values(path: tuple[Any, ...], bad: Any) -> None:
    data = _set(SWEEP, path, bad)
    with pytest.raises(ScenarioError) as info:
        _load_sweep_text(data)
    message = str(info.value)
    assert "\n" not in message and message.isprintable(), repr(message)
    assert "sw.yaml" in message


@pytest.mark.parametrize("field", ["num", "levels", "samples", "replicates"])
def test_sweep_integers_refuse_fractions_and_booleans(field: str) -> None:
    data = copy.deepcopy(SWEEP)
    for bad in (2.5, True, "4"):
        if field == "num":
            data = {**SWEEP, "sampler": "grid", "samples": None}
            data.pop("samples")
            data["parameters"] = {"agents.us.levers.sanctions": {"low": 0.1, "high": 0.9, "num": bad}}
        else:
            data = {**SWEEP, field: bad}
        with pytest.raises(ScenarioError):
            _load_sweep_text(data)


# ---- observations files -------------------------------------------------------------------------------------

GOOD_ROW = {"date": "2025-11-06", "variable": "front", "value": "0.8", "sd": "0.01", "event": "", "happened": ""}
BAD_CELLS = st.sampled_from(
    ["nan", "inf", "-inf", "1e999", "0_8", "0x1", "1,5", "\x00", "x" * 50, "20251106", "2025-02-30", "true", "-"]
)
START = __import__("datetime").date(2025, 10, 16)


@settings(max_examples=200)
@given(column=st.sampled_from(["date", "variable", "value", "sd"]), bad=BAD_CELLS)
def test_every_observation_cell_refuses_bad_values(column: str, bad: str) -> None:
    if column in ("value", "sd") and bad == "20251106":
        bad = "2025-11-06"  # a number is a fine value; a date is not
    row = {**GOOD_ROW, column: bad}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "obs.csv"
        cells = ['"' + row[c].replace('"', '""') + '"' for c in GOOD_ROW]
        path.write_text(",".join(GOOD_ROW) + "\n" + ",".join(cells) + "\n")
        with pytest.raises(ScenarioError) as info:
            read_observations(path, START, 30)
    message = str(info.value)
    assert "\n" not in message and message.isprintable(), repr(message)
    assert "obs.csv" in message and "line 2" in message


@settings(max_examples=50)
@given(bad=BAD_CELLS)
def test_every_event_cell_refuses_bad_values(bad: str) -> None:
    if bad == "true":
        bad = "maybe"  # true is a fine answer
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "obs.csv"
        path.write_text(f'date,event,happened\n2025-11-06,settlement,"{bad}"\n')
        with pytest.raises(ScenarioError) as info:
            read_observations(path, START, 30)
    assert "\n" not in str(info.value) and "line 2" in str(info.value)


# ---- a few real processes: exit status 2, one line, nothing written ------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "name: x\nagents: {us: {policies: {p: {kind: response, lever: aid, var: front, base: .nan, slope: 1}}}}\n",
        'name: "x\\0y"\n',
        "name: x\nstart_date: 0001-01-01\n",
        "name: x\nevents: {a: {week: 1, kind: summit}}\nevents: {}\n",
    ],
)
def test_the_real_command_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, body: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(body)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path), "-n", "5", "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1 and not proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
