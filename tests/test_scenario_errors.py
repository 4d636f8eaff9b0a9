"""Bad input: one line naming the file, the field and what was expected; exit status 2; no traceback; no
results directory created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.scenario import load_scenario, safe_name
from tests.conftest import SCENARIOS

BASE = (SCENARIOS / "baseline.yaml").read_text()


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


CASES = [
    # (description, file text or None for a missing file, extra CLI args, expected fragments of the message)
    ("missing file", None, [], ["no such file"]),
    ("malformed yaml", "name: x\nparams: [unclosed\n", [], ["malformed YAML", "line"]),
    ("unknown key", "name: x\nhorizon_week: 10\n", [], ["horizon_week", "did you mean 'horizon_weeks'"]),
    (
        "unknown nested key",
        "name: x\nparams:\n  front:\n    p00: 0.5\n",
        [],
        ["params.front", "p00", "did you mean 'p0'"],
    ),
    ("wrong type", "name: x\nreplicates: many\n", [], ["replicates", "expected an integer", "many"]),
    (
        "share above 1",
        "name: x\ninitial:\n  india_share: 1.4\n",
        [],
        ["initial.india_share", "expected a value in [0, 1]", "1.4"],
    ),
    ("negative horizon", "name: x\nhorizon_weeks: -5\n", [], ["horizon_weeks", "greater than or equal to 1", "-5"]),
    (
        "week past horizon",
        "name: x\nhorizon_weeks: 10\nevents:\n  s: {week: 12, kind: summit}\n",
        [],
        ["events.s.week", "[0, 10]", "12"],
    ),
    (
        "empty distribution range",
        "name: x\nparams:\n  front:\n    p0: {dist: uniform, low: 0.6, high: 0.5}\n",
        [],
        ["params.front.p0", "empty range"],
    ),
    (
        "distribution outside bounds",
        "name: x\nparams:\n  front:\n    p0: {dist: uniform, low: 0.5, high: 1.5}\n",
        [],
        ["params.front.p0", "expected a value in [0.01, 0.99]"],
    ),
    (
        "unknown distribution",
        "name: x\nparams:\n  front:\n    p0: {dist: gamma, k: 2}\n",
        [],
        ["params.front.p0", "dist"],
    ),
    (
        "unknown lever",
        "name: x\nagents:\n  us:\n    levers:\n      tarif: 25\n",
        [],
        ["agents.us.levers.tarif", "did you mean 'penalty_tariff'"],
    ),
    (
        "lever out of range",
        "name: x\nagents:\n  us:\n    levers:\n      sanctions: 2\n",
        [],
        ["agents.us.levers.sanctions", "[0, 1]"],
    ),
    (
        "unknown policy variable",
        "name: x\nagents:\n  us:\n    policies:\n      r: {kind: rule, lever: aid, value: 0, "
        "when: [{var: indai_share, op: '<', value: 0.1}]}\n",
        [],
        ["indai_share", "did you mean 'india_share'"],
    ),
    ("bad --set path", BASE, ["--set", "params.front.p9=0.5"], ["params.front", "p9"]),
    ("bad --set value", BASE, ["--set", "params.front.p0=abc"], ["params.front.p0", "abc"]),
    ("bad --set syntax", BASE, ["--set", "params.front.p0"], ["expected dotted.path=value"]),
    ("top level not a mapping", "- a\n- b\n", [], ["expected a mapping"]),
    ("empty file", "", [], ["empty file"]),
]


@pytest.mark.parametrize(("text", "args", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_gives_one_line_and_status_2(
    tmp_path: Path, run_cli, text: str | None, args: list[str], fragments: list[str]
) -> None:
    path = tmp_path / "s.yaml" if text is None else _write(tmp_path, text)
    if text == BASE:  # keep extends-free copies runnable from tmp
        path = _write(tmp_path, BASE)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("run", str(path), "--out", str(out), "-q", *args)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and str(path) in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))  # no temporary directory left behind


def test_validate_reports_same_errors(tmp_path: Path, run_cli) -> None:
    path = _write(tmp_path, "name: x\nhorizon_week: 10\n")
    code, _, stderr = run_cli("validate", str(path))
    assert code == 2 and "did you mean 'horizon_weeks'" in stderr


def test_alias_expansion_attack_is_refused(tmp_path: Path, run_cli) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path = _write(tmp_path, "name: bomb\n" + "\n".join(lines) + "\n")
    code, _, stderr = run_cli("validate", str(path))
    assert code == 2 and "alias" in stderr and len(stderr.strip().splitlines()) == 1


def test_oversized_file_is_refused(tmp_path: Path, run_cli) -> None:
    path = _write(tmp_path, "name: big\n" + "# padding\n" * 120_000)
    code, _, stderr = run_cli("validate", str(path))
    assert code == 2 and "limit" in stderr


def test_existing_results_not_overwritten_without_force(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, stderr = run_cli(
        "run", str(SCENARIOS / "baseline.yaml"), "-n", "10", "--horizon", "12", "--out", str(out), "-q"
    )
    assert code == 2 and "--force" in stderr
    assert (out / "keep.txt").read_text() == "mine"
    args = ("run", str(SCENARIOS / "baseline.yaml"), "-n", "200", "--horizon", "12", "--out", str(out), "-q")
    code, _, stderr = run_cli(*args, "--force")  # not a directory Leverage wrote: --force refuses it too
    assert code == 2 and "refusing to replace a directory Leverage did not write" in stderr
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    assert run_cli(*args, "--force")[0] == 0  # an empty directory holds nothing to lose
    (out / "keep.txt").write_text("mine")  # a results directory with a file added: its manifest makes it ours
    code, _, _ = run_cli(*args, "--force")
    assert code == 0 and not (out / "keep.txt").exists() and (out / "outcomes.parquet").exists()
    assert (out / "charts" / "incidence.png").exists()  # sim run makes the charts unless --no-charts
    assert not list(tmp_path.glob(".out*"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("a/b", "a_b"),
        ("..", "scenario"),
        (".hidden", "hidden"),
        ("max pressure (v2)", "max_pressure_v2"),
        ("ok-name_1.2", "ok-name_1.2"),
    ],
)
def test_scenario_names_are_sanitised_for_directories(name: str, expected: str) -> None:
    assert safe_name(name) == expected
    assert "/" not in safe_name(name) and ".." not in safe_name(name)


def test_extends_merges_and_null_deletes_inherited_policy() -> None:
    sc = load_scenario(SCENARIOS / "tomahawks_approved.yaml")
    assert "tomahawks_if_no_deal" not in sc.agents.us.policies
    assert "lift_penalty_tariff" in sc.agents.us.policies  # inherited
    assert "budapest_summit" in sc.events and "tomahawks_approved" in sc.events
    assert sc.name == "tomahawks_approved"


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "extends: b.yaml\nname: a\n", "a.yaml")
    _write(tmp_path, "extends: a.yaml\nname: b\n", "b.yaml")
    with pytest.raises(Exception, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_set_overrides_any_field() -> None:
    sc = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["params.front.p0=0.6", "agents.us.levers.aid=0.5", "params.costs.base_ru={dist: uniform, low: 0, high: 1e-3}"],
    )
    assert sc.params.front.p0 == 0.6
    assert sc.agents.us.levers["aid"] == 0.5
    assert sc.params.costs.base_ru.high == pytest.approx(1e-3)


def test_set_null_deletes_an_inherited_policy_or_event_as_a_child_file_does(tmp_path: Path) -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert "tomahawks_if_no_deal" in base.agents.us.policies and "budapest_summit" in base.events
    by_set = load_scenario(
        SCENARIOS / "baseline.yaml", ["agents.us.policies.tomahawks_if_no_deal=null", "events.budapest_summit=null"]
    )
    assert "tomahawks_if_no_deal" not in by_set.agents.us.policies and "budapest_summit" not in by_set.events
    child = _write(
        tmp_path,
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: baseline\nagents:\n  us:\n"
        "    policies:\n      tomahawks_if_no_deal: null\nevents:\n  budapest_summit: null\n",
    )

    # the same model; the --set run is a named variant (sim/variant.py), so only its name and provenance differ
    def model_of(sc: Any) -> dict[str, Any]:
        return {k: v for k, v in sc.resolved_dict().items() if k not in ("name", "derived_from", "overrides")}

    assert model_of(load_scenario(child)) == model_of(by_set)
    assert by_set.derived_from == "baseline" and len(by_set.overrides) == 2
    # null for a value that is not a mapping still sets it (a demand lever: no demand)
    assert (
        load_scenario(SCENARIOS / "baseline.yaml", ["agents.russia.levers.demand=null"]).agents.russia.levers["demand"]
        is None
    )


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("name: x\nevents:\n  e: {week: 0, kind: aid, value: 0.5}\n", ["events.e.week", "greater than or equal to 1"]),
        ("name: x\nagents:\n  us:\n    levers:\n      aid: null\n", ["agents.us.levers.aid", "got null"]),
        ("name: x\nparams:\n  strikes: {m: 0.1, n: 0.1, a: 0.3, b: 0.3}\n", ["params.strikes", "m*n > a*b"]),
        (
            "name: x\nagents:\n  russia:\n    policies:\n      s: {kind: schedule, lever: offensive, at: {0: 2}}\n",
            ["agents.russia.policies.s.at", "week 0 is the initial state"],
        ),
        (
            "name: x\nagents:\n  us:\n    policies:\n"
            "      r: {kind: rule, lever: aid, value: 0, from_week: 5, until_week: 2, "
            "when: [{var: week, op: '>', value: 1}]}\n",
            ["until_week", ">= from_week"],
        ),
    ],
)
def test_jointly_invalid_scenarios_are_refused(tmp_path: Path, run_cli, text: str, fragments: list[str]) -> None:
    code, _, stderr = run_cli("validate", str(_write(tmp_path, text)))
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in stderr


def test_child_scenario_without_a_name_does_not_reuse_its_parents(tmp_path: Path) -> None:
    _write(tmp_path, BASE, "base.yaml")
    child = _write(tmp_path, "extends: base.yaml\nreplicates: 10\n", "my_variant.yaml")
    assert load_scenario(child).name == "my_variant"


def test_response_policy_is_clipped_to_the_lever_range() -> None:
    import numpy as np

    from sim.model import PressureModel
    from sim.scenario import validate_scenario

    sc = validate_scenario(
        {
            "name": "r",
            "horizon_weeks": 3,
            "agents": {
                "us": {
                    "policies": {
                        "r": {
                            "kind": "response",
                            "lever": "penalty_tariff",
                            "var": "india_share",
                            "base": 0,
                            "slope": -1000,
                        }
                    }
                }
            },
        },
        "inline",
    )
    model = PressureModel(sc, 5, 0)
    model.run()
    assert np.all(model.lever("us", "penalty_tariff") == 0.0)


def test_demand_parameters_may_be_distributions() -> None:
    import sim

    sc = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["replicates=200", "horizon_weeks=30", "params.energy.demand_mean={dist: uniform, low: 13, high: 16}"],
    )
    result = sim.run(sc)
    assert "params.energy.demand_mean" in result.outcomes.columns
