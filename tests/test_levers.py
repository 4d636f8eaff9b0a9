"""Levers are declared once (sim.levers) and every reader uses that declaration: the schema, the agents,
`sim params`, the dotted paths of --set and sweeps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.levers import DECISIONS, LEVERS, PROCESSES, Lever
from sim.scenario import LEVERS as SCENARIO_LEVERS
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
ALL = [lever for table in LEVERS.values() for lever in table.values()]


def test_the_scenario_package_reexports_the_one_declaration() -> None:
    assert SCENARIO_LEVERS is LEVERS


@pytest.mark.parametrize("lever", ALL, ids=lambda lv: f"{lv.agent}.{lv.name}")
def test_each_lever_has_a_source_a_range_holding_its_default_and_known_channels(lever: Lever) -> None:
    assert lever.agent in LEVERS and LEVERS[lever.agent][lever.name] is lever
    assert lever.source.strip().lower() != "assumption" and len(lever.source) > 40
    assert lever.label and lever.doc and lever.unit
    assert lever.lo < lever.hi
    assert lever.default is None or lever.lo <= lever.default <= lever.hi
    assert lever.channels and set(lever.channels) <= set(PROCESSES) | set(DECISIONS)
    with pytest.raises(AttributeError):
        lever.default = 0.0  # type: ignore[misc]


def test_only_the_demand_levers_may_be_null() -> None:
    assert {f"{lv.agent}.{lv.name}" for lv in ALL if lv.default is None} == {"russia.demand", "ukraine.demand"}


def test_a_scenario_lever_outside_its_declared_range_is_refused_with_the_range() -> None:
    with pytest.raises(
        ScenarioError, match=r"agents\.us\.levers\.air_defence: expected a value in \[0, 0\.15\], got 0\.3"
    ):
        load_scenario(SCENARIOS / "baseline.yaml", ["agents.us.levers.air_defence=0.3"])


def test_dotted_lever_paths_still_set_the_agents_lever_arrays() -> None:
    from sim.model import PressureModel

    sc = load_scenario(SCENARIOS / "baseline.yaml", ["replicates=5", "agents.us.levers.guarantees=0.8"])
    model = PressureModel(sc, 5)
    assert np.all(model.lever("us", "guarantees") == 0.8)
    assert np.all(model.lever("india", "purchase_cap") == LEVERS["india"]["purchase_cap"].default)
    assert np.isnan(model.lever("russia", "demand")).all()


def test_sim_params_lists_levers_with_their_sources_and_a_scenarios_values(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli("params", "--format", "json")
    assert code == 0, err
    rows = {r["path"]: r for r in json.loads(out)}
    tariff = rows["agents.us.levers.penalty_tariff"]
    assert tariff == {
        "path": "agents.us.levers.penalty_tariff",
        "value": "25",
        "unit": "points",
        "source": LEVERS["us"]["penalty_tariff"].source,
    }
    child = tmp_path / "capped.yaml"
    child.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: capped\nagents: {{india: {{levers: {{purchase_cap: 0.2}}}}}}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("params", "--scenario", str(child), "--format", "json")
    assert code == 0, err
    rows = {r["path"]: r for r in json.loads(out)}
    assert rows["agents.india.levers.purchase_cap"]["value"] == "0.2"
    assert rows["agents.us.levers.penalty_tariff"]["value"] == "25"


def test_the_lever_declarations_import_without_the_model() -> None:
    probe = "import sim.levers, sys; print(any(m in sys.modules for m in ('mesa', 'sim.model', 'numpy')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
