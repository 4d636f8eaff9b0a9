"""One of each piece of infrastructure (issue 10 §4): the dotted-path writer, "did you mean", the atomic writers,
the manifest builder, the summary and the reader of replicate weights behave the same for every caller."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import RunError, ScenarioError
from sim.files import atomic_dir, atomic_file, json_bytes, write_atomic
from sim.observe.weighted import replicate_weights
from sim.provenance import manifest
from sim.scenario import apply_override, did_you_mean, set_path
from sim.summary import summarise
from sim.sweep.paths import assign

BASE = {"events": {"summit": {"week": 3}}, "params": {"costs": {"scale": 1.0}}, "horizon_weeks": 52}


def test_set_path_copies_on_write_and_creates_missing_mappings() -> None:
    out = set_path(BASE, "agents.us.levers.aid", 0.5)
    assert out["agents"] == {"us": {"levers": {"aid": 0.5}}}
    assert "agents" not in BASE and out["events"] is BASE["events"]  # untouched branches are shared


def test_null_deletes_a_mapping_entry_and_nulls_a_value_for_every_writer() -> None:
    for write in (
        lambda d, p: set_path(d, p, None),
        lambda d, p: assign(d, p, None),
        lambda d, p: assign(d, p, None, merge=True),
        lambda d, p: apply_override(d, f"{p}=null", "x.yaml"),
    ):
        assert write(BASE, "events.summit")["events"] == {}
        assert write(BASE, "horizon_weeks")["horizon_weeks"] is None


def test_merge_merges_a_mapping_and_plain_assignment_replaces_it() -> None:
    value = {"scale": 2.0, "floor": 0.1}
    assert assign(BASE, "params.costs", value, merge=True)["params"]["costs"] == {"scale": 2.0, "floor": 0.1}
    assert assign(BASE, "params.costs", {"floor": 0.1})["params"]["costs"] == {"floor": 0.1}
    assert assign(BASE, "params.costs", {"floor": 0.1}, merge=True)["params"]["costs"] == {"scale": 1.0, "floor": 0.1}


def test_numpy_scalars_are_written_as_python_numbers() -> None:
    out = assign(BASE, "params.costs.scale", np.float64(1.5))
    assert type(out["params"]["costs"]["scale"]) is float
    assert type(assign(BASE, "horizon_weeks", np.int64(10))["horizon_weeks"]) is int


def test_a_path_through_a_value_is_refused_the_same_way() -> None:
    with pytest.raises(ScenarioError, match=r"x.yaml: --set horizon_weeks.x: horizon_weeks is not a mapping"):
        apply_override(BASE, "horizon_weeks.x=1", "x.yaml")
    with pytest.raises(ScenarioError, match="horizon_weeks is not a mapping"):
        assign(BASE, "horizon_weeks.x", 1)


def test_did_you_mean_names_the_closest_option_with_its_path() -> None:
    assert did_you_mean("scal", ["scale", "floor"]) == " (did you mean 'scale'?)"
    assert did_you_mean("sumit", ["summit"], prefix="events.") == " (did you mean 'events.summit'?)"
    assert did_you_mean("zzz", ["scale"]) == ""


def test_write_atomic_leaves_nothing_behind_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_atomic(target, b"old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_atomic_dir_replaces_only_with_force_and_never_half_writes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with atomic_dir(out, force=False) as tmp:
        (tmp / "a").write_text("1")
        (tmp / "manifest.json").write_text('{"kind": "run"}')  # --force replaces only what Leverage wrote
    with pytest.raises(RunError, match="results directory exists; pass --force"), atomic_dir(out, force=False):
        pass
    with pytest.raises(KeyboardInterrupt), atomic_dir(out, force=True) as tmp:
        (tmp / "a").write_text("2")
        raise KeyboardInterrupt
    assert (out / "a").read_text() == "1" and [p.name for p in tmp_path.iterdir()] == ["run"]


def test_json_bytes_strict_writes_standard_json() -> None:
    data = {"p": np.float64(0.25), "n": np.int64(3), "x": float("nan"), 1: (1, 2)}
    assert json.loads(json_bytes(data, strict=True)) == {"p": 0.25, "n": 3, "x": None, "1": [1, 2]}
    assert json_bytes({"a": 1}) == b'{\n  "a": 1\n}\n'


def test_the_manifest_records_kind_fields_then_provenance() -> None:
    m = manifest("run", {"seed": 7}, command="sim run x.yaml", packages=("numpy",))
    assert list(m)[:3] == ["kind", "seed", "command"] and m["kind"] == "run" and m["seed"] == 7
    assert {"git_commit", "versions", "created"} <= set(m) and "numpy" in m["versions"]
    assert dt.datetime.fromisoformat(m["created"]).tzinfo is not None


def _outcomes(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    outcome = rng.choice(["ongoing", "settlement", "escalation"], size=n, p=[0.5, 0.4, 0.1])
    return pd.DataFrame(
        {
            "outcome": pd.Categorical(outcome),
            "week": rng.integers(1, 104, size=n).astype(np.int32),
            "terms": rng.uniform(0.3, 0.9, size=n),
            "co_triggered": rng.uniform(size=n) < 0.05,
            "end.front": rng.uniform(0.1, 0.3, size=n),
        }
    )


def test_equal_weights_summarise_like_no_weights() -> None:
    outcomes = _outcomes()
    plain = summarise(outcomes, dt.date(2025, 10, 16), 104)
    weighted = summarise(outcomes, dt.date(2025, 10, 16), 104, weights=np.full(len(outcomes), 1 / len(outcomes)))
    assert weighted["ess"] == pytest.approx(len(outcomes)) and weighted["replicates_weighted"] == len(outcomes)
    for name, share in plain["outcomes"].items():
        assert weighted["outcomes"][name]["count"] == share["count"]
        for key in ("p", "lo", "hi"):
            assert weighted["outcomes"][name][key] == pytest.approx(share[key], rel=1e-12)
    assert weighted["settlement_by_week"]["52"]["p"] == pytest.approx(plain["settlement_by_week"]["52"]["p"])
    assert weighted["settlement_terms"]["mean"] == pytest.approx(plain["settlement_terms"]["mean"])
    assert "ess" not in plain


def test_weight_on_one_outcome_gives_it_probability_one() -> None:
    outcomes = _outcomes()
    w = (outcomes["outcome"] == "escalation").to_numpy(dtype=float)
    s = summarise(outcomes, dt.date(2025, 10, 16), 104, weights=w / w.sum())
    assert s["outcomes"]["escalation"]["p"] == pytest.approx(1.0) and s["outcomes"]["settlement"]["p"] == 0.0
    assert s["settlement_week"] == {"q25": None, "median": None, "q75": None, "mean": None}


def test_replicate_weights_are_normalised_and_checked() -> None:
    assert replicate_weights(pd.DataFrame({"outcome": ["a"]})) is None
    np.testing.assert_allclose(replicate_weights(pd.DataFrame({"weight": [1.0, 3.0]})), [0.25, 0.75])
    for bad in ([1.0, -1.0], [0.0, 0.0], [1.0, float("nan")]):
        with pytest.raises(ScenarioError, match="runs/x: outcomes.parquet: the weight column must be finite"):
            replicate_weights(pd.DataFrame({"weight": bad}), "runs/x")
