"""Issue 16 and 19: bad input that used to get through. Each case: exit status 2, one line naming the file and
the field, nothing written (the results directory does not exist afterwards)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import MAX_EVENTS, load_scenario
from tests.conftest import SCENARIOS


def POLICY(fields: str) -> str:  # noqa: N802  (a template)
    given = dict(f.split(": ") for f in fields.split(", "))
    body = ", ".join(f"{k}: {v}" for k, v in {"base": "1", "slope": "0", **given}.items())
    return "agents:\n  us:\n    policies:\n      p: {kind: response, lever: aid, var: front, " + body + "}\n"


NON_FINITE = [
    ("policy base nan", POLICY("base: .nan"), "agents.us.policies.p.base: expected a finite number"),
    ("policy min nan", POLICY("min: .nan"), "agents.us.policies.p.min: expected a finite number"),
    ("policy ref nan", POLICY("ref: .nan"), "agents.us.policies.p.ref: expected a finite number"),
    ("policy slope inf", POLICY("slope: .inf"), "agents.us.policies.p.slope: expected a finite number"),
    ("policy slope huge", POLICY("slope: 1e300"), "agents.us.policies.p.slope: expected a value less than"),
    ("policy min above max", POLICY("min: 2, max: 1"), "agents.us.policies.p.max: expected a value >= min"),
    ("salvo nan", "events:\n  s: {week: 2, kind: salvo, value: .nan}\n", "events.s.value: expected a finite number"),
    ("salvo huge", "events:\n  s: {week: 2, kind: salvo, value: 1e300}\n", "events.s.value: expected a salvo of"),
    (
        "choice nan",
        "params:\n  front:\n    p0: {dist: choice, values: [0.5, .nan]}\n",
        "params.front.p0: choice distribution field values.1: expected a finite number",
    ),
    (
        "choice weight inf",
        "params:\n  front:\n    p0: {dist: choice, values: [0.5, 0.6], weights: [1, .inf]}\n",
        "params.front.p0: choice distribution field weights.1: expected a finite number",
    ),
    (
        "rule threshold nan",
        "agents:\n  us:\n    policies:\n      r:\n        kind: rule\n        lever: aid\n        value: 2\n"
        "        when: [{var: front, op: '<', value: .nan}]\n",
        "agents.us.policies.r.when.0.value: expected a finite number",
    ),
    (
        "normal low nan",
        "params:\n  front:\n    p0: {dist: normal, mean: 0.5, sd: 0.1, low: .nan, high: 0.9}\n",
        "params.front.p0: normal distribution field low: expected a number, got nan",
    ),
    ("event probability nan", "events:\n  s: {week: 2, kind: summit, probability: .nan}\n", "probability"),
    ("boolean for a number", "events:\n  s: {week: 2, kind: salvo, value: true}\n", "expected a number, got a boolean"),
    ("boolean for an integer", "replicates: true\n", "replicates: expected an integer, got a boolean"),
    ("text for a number", "events:\n  s: {week: 2, kind: salvo, value: '5'}\n", "expected a number, got str '5'"),
]

DATES = [
    ("year 1", "start_date: 0001-01-01\n", "start_date: expected a date in [1900-01-01, 2200-12-31], got 0001-01-01"),
    ("zero", "start_date: 0\n", "start_date: expected a date YYYY-MM-DD, got 0"),
    ("basic format", "start_date: 20251211\n", "start_date: expected a date YYYY-MM-DD, got 20251211"),
    ("quoted basic format", "start_date: '20251211'\n", "start_date: expected a date YYYY-MM-DD, got '20251211'"),
    ("date and time", "start_date: 2025-10-16 10:00:00\n", "start_date: expected a date YYYY-MM-DD, got a date"),
    ("no such month", "start_date: 2025-13-01\n", "line 2, column 13: cannot read '2025-13-01' as timestamp"),
]

NAMES = [
    ("NUL in name", 'name: "a\\0b"\n', "name: expected text without control characters, got \\x00"),
    ("escape in name", 'name: "a\\eb"\n', "name: expected text without control characters, got \\x1b"),
    ("newline in label", 'events:\n  s: {week: 2, kind: summit, label: "a\\nb"}\n', "events.s.label"),
    ("bidi override in name", 'name: "a\\u202eb"\n', "got U+202E"),
    ("control in event name", 'events:\n  "a\\tb": {week: 2, kind: summit}\n', "events.a\\tb.[key]"),
    ("NUL in description", 'description: "x\\0"\n', "description: expected text without control characters"),
]

YAML = [
    ("int tag", "replicates: !!int abc\n", "line 2, column 13: cannot read 'abc' as int"),
    ("float tag", "seed: !!float abc\n", "line 2, column 7: cannot read 'abc' as float"),
    ("timestamp tag", "start_date: !!timestamp x\n", "cannot read 'x' as timestamp (expected a date YYYY-MM-DD)"),
    ("bool tag", "switches: {oil: !!bool maybe}\n", "line 2, column 17: cannot read 'maybe' as bool"),
    ("python tag", "seed: !!python/object:os.system x\n", "malformed YAML: line 2"),
    (
        "duplicate key",
        "horizon_weeks: 20\nseed: 1\nhorizon_weeks: 30\n",
        "duplicate key 'horizon_weeks' (lines 2 and 4)",
    ),
    (
        "duplicate events block",
        "events:\n  a: {week: 2, kind: summit}\nevents:\n  b: {week: 3, kind: summit}\n",
        "duplicate key 'events' (lines 2 and 4)",
    ),
    ("duplicate nested", "switches:\n  oil: true\n  oil: false\n", "duplicate key 'oil' (lines 3 and 4)"),
    ("deep nesting", "x: " + "[" * 5000 + "]" * 5000 + "\n", "malformed YAML"),
]


def _scenario(tmp_path: Path, body: str, name: str = "bad") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\n" + body if not body.startswith("name:") else body)
    return path


def _one_line_exit_2(run_cli, args: list[str], expected: str, out: Path | None = None) -> str:
    code, stdout, err = run_cli(*args)
    assert code == 2, (code, stdout, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err, err
    assert "Traceback" not in err
    if out is not None:
        assert not out.exists()
        assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return err


@pytest.mark.parametrize("case, body, expected", NON_FINITE + DATES + NAMES + YAML, ids=lambda v: str(v)[:30])
def test_validate_refuses(tmp_path, run_cli, case, body, expected):
    path = _scenario(tmp_path, body)
    err = _one_line_exit_2(run_cli, ["validate", str(path)], expected)
    assert str(path) in err


@pytest.mark.parametrize(
    "case, body, expected",
    [NON_FINITE[0], NON_FINITE[6], DATES[0], NAMES[0], YAML[0], YAML[6]],
    ids=lambda v: str(v)[:30],
)
def test_run_refuses_and_writes_nothing(tmp_path, run_cli, case, body, expected):
    path = _scenario(tmp_path, body)
    out = tmp_path / "out"
    _one_line_exit_2(run_cli, ["run", str(path), "-n", "5", "--horizon", "3", "--out", str(out), "-q"], expected, out)


@pytest.mark.parametrize("bad", ["lots", "-7", "0", "1.5", "true"])
def test_file_validated_as_written_before_the_overrides(tmp_path, run_cli, bad):
    path = _scenario(tmp_path, f"replicates: {bad}\nhorizon_weeks: 3\n")
    out = tmp_path / "out"
    err = _one_line_exit_2(run_cli, ["run", str(path), "--replicates", "5", "--out", str(out), "-q"], "replicates", out)
    assert f"{path}: replicates" in err  # the file's own mistake, not the command line's
    _one_line_exit_2(run_cli, ["validate", str(path), "--replicates", "5"], f"{path}: replicates")


def test_overrides_validated_after_the_file(tmp_path, run_cli):
    path = _scenario(tmp_path, "replicates: 5\nhorizon_weeks: 3\n")
    err = _one_line_exit_2(run_cli, ["validate", str(path), "--set", "seed=-1"], "seed")
    assert "(with the command line's overrides)" in err


def test_events_are_bounded(tmp_path, run_cli):
    events = "".join(f"  e{i}: {{week: 1, kind: summit}}\n" for i in range(MAX_EVENTS + 1))
    path = _scenario(tmp_path, "horizon_weeks: 3\nevents:\n" + events)
    _one_line_exit_2(run_cli, ["validate", str(path)], f"events: expected at most {MAX_EVENTS} entries, got 501")
    ok = _scenario(tmp_path, "horizon_weeks: 3\nevents:\n" + events.split("\n", 1)[1], "ok")
    assert len(load_scenario(ok).events) == MAX_EVENTS


def test_dates_in_range_pass(tmp_path):
    for date in ("1900-01-01", "2200-12-31", "'2025-10-16'"):
        path = _scenario(tmp_path, f"start_date: {date}\n")
        assert str(load_scenario(path).start_date) == date.strip("'")


# --- The command line's parser: one line, exit 2; --help unchanged ------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        (["validate", "{tmp}"], "sim validate: Invalid value for 'SCENARIO': File '{tmp}' is a directory."),
        (["run", "{tmp}"], "sim run: Invalid value for 'SCENARIO'"),
        (["run", "x.yaml", "--bogus"], "sim run: No such option '--bogus'"),
        (["run", "x.yaml", "-n", "0"], "sim run: Invalid value for '--replicates' / '-n': 0 is not in the range"),
        (["frobnicate"], "sim: No such command 'frobnicate'."),
        (["validate"], "sim validate: Missing argument 'SCENARIO'."),
        (["params", "--format", "xml"], "sim params: Invalid value for '--format'"),
    ],
)
def test_parser_errors_are_one_line(tmp_path, run_cli, args, expected):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    err = _one_line_exit_2(run_cli, args, expected.replace("{tmp}", str(tmp_path)))
    assert "Usage:" not in err and "--help" in err


def test_help_is_unchanged(run_cli):
    code, out, err = run_cli("run", "--help")
    assert code == 0 and out.startswith("Usage: sim run [OPTIONS] SCENARIO") and not err
    assert "--trajectories" in out and "--replicates" in out


# --- Loader errors everywhere a YAML text is read ------------------------------------------------------------


def test_loader_errors_in_a_parent_file(tmp_path, run_cli):
    (tmp_path / "parent.yaml").write_text("name: p\nseed: !!int abc\n")
    child = _scenario(tmp_path, "extends: parent.yaml\n", "child")
    err = _one_line_exit_2(run_cli, ["validate", str(child)], "cannot read 'abc' as int")
    assert "parent.yaml" in err
    (tmp_path / "parent.yaml").write_text("name: p\nseed: 1\nseed: 2\n")
    _one_line_exit_2(run_cli, ["validate", str(child)], "duplicate key 'seed' (lines 2 and 3)")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("!!int abc", "--set seed: cannot parse value '!!int abc': line 1, column 1: cannot read 'abc' as int"),
        ("!!float abc", "cannot read 'abc' as float"),
        ("!!timestamp x", "cannot read 'x' as timestamp"),
        ("{a: 1, a: 2}", "duplicate key 'a' (lines 1 and 1)"),
        ("[unclosed", "--set seed: cannot parse value '[unclosed'"),
    ],
)
def test_loader_errors_in_set(run_cli, value, expected):
    _one_line_exit_2(run_cli, ["validate", str(SCENARIOS / "baseline.yaml"), "--set", f"seed={value}"], expected)


@pytest.mark.parametrize(
    "names, expected",
    [
        ("front,nosuch", "trajectories: unknown state variable 'nosuch'"),
        ("front]", "trajectories: unknown state variable 'front]'"),
        ("!!int abc", "trajectories: unknown state variable '!!int abc'"),
        ("front,\x00", "trajectories: unknown state variable"),
    ],
)
def test_trajectories_option(tmp_path, run_cli, names, expected):
    out = tmp_path / "out"
    _one_line_exit_2(
        run_cli,
        ["run", str(SCENARIOS / "baseline.yaml"), "-n", "5", "--trajectories", names, "--out", str(out), "-q"],
        expected,
        out,
    )
    _one_line_exit_2(run_cli, ["validate", str(SCENARIOS / "baseline.yaml"), "--trajectories", names], expected)


def test_params_scenario_loader_errors(tmp_path, run_cli):
    path = _scenario(tmp_path, "seed: !!float abc\n")
    _one_line_exit_2(run_cli, ["params", "--scenario", str(path)], "cannot read 'abc' as float")


def test_sweep_file_loader_errors(tmp_path, run_cli):
    (tmp_path / "base.yaml").write_text("name: base\nhorizon_weeks: 5\nreplicates: 4\n")
    sweep = tmp_path / "sw.yaml"
    sweep.write_text("base: base.yaml\nsampler: grid\nreplicates: !!int abc\nparameters:\n  seed: [1, 2]\n")
    out = tmp_path / "out"
    _one_line_exit_2(run_cli, ["sweep", str(sweep), "--out", str(out)], "cannot read 'abc' as int", out)
    sweep.write_text("base: base.yaml\nsampler: grid\nreplicates: 2\nparameters:\n  seed: [1, 2]\nsampler: lhs\n")
    _one_line_exit_2(run_cli, ["sweep", str(sweep), "--out", str(out)], "duplicate key 'sampler' (lines 2 and 6)", out)
    sweep.write_text("base: base.yaml\nsampler: grid\nreplicates: 2\nparameters:\n  seed: [1, .nan]\n")
    _one_line_exit_2(run_cli, ["sweep", str(sweep), "--out", str(out)], "parameters.seed.values", out)


def test_sweep_replicates_override_is_validated(tmp_path):
    from sim.sweep import load_sweep

    (tmp_path / "base.yaml").write_text("name: base\nhorizon_weeks: 5\nreplicates: 4\n")
    sweep = tmp_path / "sw.yaml"
    sweep.write_text("base: base.yaml\nsampler: grid\nreplicates: 2\nparameters:\n  seed: [1, 2]\n")
    with pytest.raises(ScenarioError, match=r"\(with --replicates 1000000000\): replicates: expected a value"):
        load_sweep(sweep, replicates=10**9)


def test_results_scenario_file_loader_errors(tmp_path, run_cli):
    import sim

    sc = load_scenario(SCENARIOS / "baseline.yaml", ["replicates=20", "horizon_weeks=12"])
    out = sim.write_results(sim.run(sc), tmp_path / "res")
    resolved = out / "scenario.resolved.yaml"
    resolved.write_text(resolved.read_text() + "seed: !!int abc\n")
    _one_line_exit_2(run_cli, ["plot", str(out)], "scenario.resolved.yaml: malformed YAML")
