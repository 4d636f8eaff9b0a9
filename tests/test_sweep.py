"""Sweeps: designs, metrics, sensitivity, bad sweep files, and small sweeps run in process."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim import batch as batching
from sim.model import OUTCOMES
from sim.sweep import (
    load_sweep,
    mean_interval,
    median_interval,
    parse_metric,
    run_sweep,
    sensitivity,
)
from tests.conftest import exit_code

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
EXAMPLES = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))

TINY = f"""
name: tiny
base: {BASELINE}
set: {{horizon_weeks: 12, chunk_size: 100}}
sampler: grid
parameters:
  agents.us.levers.penalty_tariff: [0, 50, 100]
  params.costs.scale: {{low: 0.5, high: 1.5, num: 2}}
replicates: 200
metrics: [p_settlement, p_settlement_by_8, median_settlement_week, mean_terms, mean_end.front]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(*names: str) -> np.ndarray:
    return np.array([OUTCOMES.index(n) for n in names], dtype=np.int8)


# ---------------------------------------------------------------------------------------------------------
# Designs


def test_grid_is_the_cartesian_product_in_declaration_order(tmp_path: Path) -> None:
    sw = load_sweep(write(tmp_path, TINY))
    assert sw.design.names == ("agents.us.levers.penalty_tariff", "params.costs.scale")
    assert sw.design.values == [(0, 0.5), (0, 1.5), (50, 0.5), (50, 1.5), (100, 0.5), (100, 1.5)]
    assert sw.design.unit is None


def test_grid_num_spaces_a_range_linearly_or_geometrically(tmp_path: Path) -> None:
    text = TINY.replace(
        "params.costs.scale: {low: 0.5, high: 1.5, num: 2}",
        "params.escalation.hazard_per_pressure: {low: 1.0e-5, high: 1.0e-3, num: 3, scale: log}",
    )
    sw = load_sweep(write(tmp_path, text))
    hazards = sorted({v[1] for v in sw.design.values})
    assert hazards == pytest.approx([1e-5, 1e-4, 1e-3])


def test_lhs_puts_one_point_in_each_stratum_of_every_parameter(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: lhs
samples: 20
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.front.p0: {{from_base: true}}
  events.budapest_summit.probability: {{low: 0, high: 1}}
replicates: 10
"""
    sw = load_sweep(write(tmp_path, text))
    unit = sw.design.unit
    assert unit is not None and unit.shape == (20, 3)
    for k in range(3):
        assert sorted(np.floor(unit[:, k] * 20).astype(int)) == list(range(20))
    scale = np.array([v[0] for v in sw.design.values])
    p0 = np.array([v[1] for v in sw.design.values])
    np.testing.assert_allclose(scale, 0.5 + unit[:, 0])
    np.testing.assert_allclose(p0, 0.51 + 0.06 * unit[:, 1])  # the baseline's U(0.51, 0.57), by its inverse CDF


def test_designs_are_reproducible_and_follow_the_seed(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: lhs
samples: 5
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
replicates: 10
seed: 7
"""
    a = load_sweep(write(tmp_path, text)).design.values
    assert load_sweep(write(tmp_path, text)).design.values == a
    assert load_sweep(write(tmp_path, text.replace("seed: 7", "seed: 8"))).design.values != a


@pytest.mark.parametrize(
    ("sampler", "extra", "points"),
    [
        ("sobol", "samples: 16", 16 * (3 + 2)),
        ("sobol", "samples: 16\nsecond_order: true", 16 * (2 * 3 + 2)),
        ("morris", "samples: 4", 4 * (3 + 1)),
    ],
)
def test_salib_designs_have_their_textbook_sizes(tmp_path: Path, sampler: str, extra: str, points: int) -> None:
    text = f"""
base: {BASELINE}
sampler: {sampler}
{extra}
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.front.p0: {{from_base: true}}
  agents.us.levers.tomahawks: [0, 1]
replicates: 10
"""
    sw = load_sweep(write(tmp_path, text))
    assert len(sw.design) == points
    assert {v[2] for v in sw.design.values} == {0, 1}  # a list is cut into equal slices of [0, 1]


def test_list_sampler_takes_each_point_verbatim(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: list
points:
  - {{agents.us.levers.penalty_tariff: 0, agents.us.levers.tomahawks: 1}}
  - {{agents.us.levers.penalty_tariff: 75, agents.us.levers.tomahawks: 0}}
replicates: 10
"""
    sw = load_sweep(write(tmp_path, text))
    assert sw.design.values == [(0, 1), (75, 0)]
    assert sw.scenario(1).agents.us.levers["penalty_tariff"] == 75


def test_set_removes_and_adds_entries_of_the_base_scenario(tmp_path: Path) -> None:
    sw = load_sweep(ROOT / "scenarios" / "sweeps" / "tariff_x_tomahawks.yaml")
    sc = sw.scenario(len(sw.design) - 1)
    assert sc.agents.us.policies == {}
    assert sc.events["tomahawks_approved"].week == 104
    assert sc.agents.us.levers["penalty_tariff"] == 100


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_sweeps_load_and_validate(path: Path) -> None:
    sw = load_sweep(path)
    assert len(sw.design) >= 10
    assert sw.metrics


def test_examples_cover_a_grid_a_sobol_design_over_eight_parameters_and_an_lhs() -> None:
    specs = {p.stem: load_sweep(p) for p in EXAMPLES}
    samplers = {sw.spec.sampler: sw for sw in specs.values()}
    assert len(samplers["grid"].design.names) == 2
    assert len(samplers["sobol"].design.names) >= 8
    assert "lhs" in samplers


# ---------------------------------------------------------------------------------------------------------
# Metrics


def test_probability_has_a_wilson_interval() -> None:
    m = parse_metric("p_settlement", 104, [])
    cols = {"outcome": codes(*["settlement"] * 3, *["ongoing"] * 7), "week": np.full(10, 104)}
    p, lo, hi = m.compute(cols)
    assert p == pytest.approx(0.3)
    assert (lo, hi) == pytest.approx((0.1078, 0.6032), abs=1e-4)  # Wilson 1927, k = 3 of n = 10


def test_settlement_by_week_counts_settlements_up_to_that_week_only() -> None:
    m = parse_metric("p_settlement_by_26", 104, [])
    cols = {"outcome": codes("settlement", "settlement", "escalation", "ongoing"), "week": np.array([10, 30, 5, 104])}
    assert m.compute(cols)[0] == pytest.approx(0.25)


def test_mean_terms_is_over_settlements_only() -> None:
    m = parse_metric("mean_terms", 104, [])
    cols = {"outcome": codes("settlement", "settlement", "ukraine_collapse"), "terms": np.array([0.7, 0.8, 1.0])}
    assert m.compute(cols)[0] == pytest.approx(0.75)


def test_median_settlement_week_reads_weeks_of_settled_replicates() -> None:
    m = parse_metric("median_settlement_week", 104, [])
    cols = {"outcome": codes("settlement", "settlement", "settlement", "ongoing"), "week": np.array([4, 8, 30, 104])}
    assert m.compute(cols)[0] == 8


def test_median_interval_uses_order_statistics() -> None:
    x = np.arange(1.0, 101.0)
    med, lo, hi = median_interval(x)
    assert (med, lo, hi) == (50.5, 40.0, 61.0)  # ranks 40 and 61 of 100 (Conover 1999)
    assert all(math.isnan(v) for v in median_interval(np.array([])))


def test_mean_interval_is_students_t() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    m, lo, hi = mean_interval(x)
    half = 3.182446305284263 * np.std(x, ddof=1) / 2  # t(0.975, 3)
    assert (m, lo, hi) == pytest.approx((2.5, 2.5 - half, 2.5 + half))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("p_setlement", "did you mean 'settlement'"),
        ("p_ongoing_by_26", "unknown outcome 'ongoing'"),
        ("p_settlement_by_500", "expected a week in [1, 104]"),
        ("mean_end.frnt", "did you mean 'end.front'"),
        ("average_terms", "unknown metric"),
    ],
)
def test_unknown_metrics_say_what_was_expected(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_metric(name, 104, ["end.front", "cum.talks_held"])
    assert message in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# Sensitivity (SALib), on a known function of the design


def _fake_points(sw, y: np.ndarray) -> pa.Table:  # type: ignore[no-untyped-def]
    return pa.table({m.name: y for m in sw.metrics})


def test_sobol_indices_find_the_parameter_that_drives_the_metric(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: sobol
samples: 256
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.front.p0: {{from_base: true}}
replicates: 10
metrics: [p_settlement]
resamples: 100
"""
    sw = load_sweep(write(tmp_path, text))
    u = sw.design.unit
    sens = sensitivity(sw, _fake_points(sw, u[:, 0] + 0.05 * u[:, 1]))
    block = sens["indices"]["p_settlement"]
    assert block["ST"]["params.costs.scale"] > 0.9
    assert block["ST"]["params.front.p0"] < 0.1
    assert block["S1_conf"]["params.costs.scale"] > 0
    assert sensitivity(sw, _fake_points(sw, u[:, 0])) == sensitivity(sw, _fake_points(sw, u[:, 0]))


def test_morris_mu_star_ranks_the_influential_parameter_first(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: morris
samples: 10
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.front.p0: {{from_base: true}}
replicates: 10
metrics: [p_settlement]
"""
    sw = load_sweep(write(tmp_path, text))
    u = sw.design.unit
    block = sensitivity(sw, _fake_points(sw, 2 * u[:, 1] + 0.1 * u[:, 0]))["indices"]["p_settlement"]
    assert block["mu_star"]["params.front.p0"] == pytest.approx(2.0)
    assert block["mu_star"]["params.costs.scale"] == pytest.approx(0.1)


def test_a_constant_metric_is_skipped_not_analysed(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
sampler: sobol
samples: 16
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.front.p0: {{from_base: true}}
replicates: 10
metrics: [p_russia_collapse]
"""
    sw = load_sweep(write(tmp_path, text))
    sens = sensitivity(sw, _fake_points(sw, np.zeros(len(sw.design))))
    assert sens["indices"] == {}
    assert "constant" in sens["skipped"]["p_russia_collapse"]


# ---------------------------------------------------------------------------------------------------------
# Bad sweep files: one line naming the file and the field, exit status 2


BAD = {
    "unknown parameter path": (
        TINY.replace("params.costs.scale:", "params.costs.scal:"),
        ["parameters", "params.costs.scal", "did you mean 'scale'"],
    ),
    "unknown event": (
        TINY.replace("params.costs.scale: {low: 0.5, high: 1.5, num: 2}", "events.budapest_summt.probability: [0.5]"),
        ["parameters", "did you mean 'events.budapest_summit'"],
    ),
    "unknown lever": (
        TINY.replace("penalty_tariff:", "penalty_tarif:"),
        ["parameters", "did you mean 'penalty_tariff'"],
    ),
    "value out of range": (
        TINY.replace("[0, 50, 100]", "[0, 50, 150]"),
        ["parameters", "agents.us.levers.penalty_tariff", "[0, 100]", "150"],
    ),
    "empty range": (
        TINY.replace("{low: 0.5, high: 1.5, num: 2}", "{low: 1.5, high: 1.5, num: 2}"),
        ["parameters.params.costs.scale", "empty range"],
    ),
    "empty values": (
        TINY.replace("[0, 50, 100]", "[]"),
        ["parameters.agents.us.levers.penalty_tariff.values", "at least 1"],
    ),
    "unknown sampler": (TINY.replace("sampler: grid", "sampler: factorial"), ["sampler", "'grid'", "'factorial'"]),
    "sobol with too few samples": (
        TINY.replace("sampler: grid", "sampler: sobol\nsamples: 4").replace(", num: 2", ""),
        ["samples", "Sobol", "at least 16", "got 4"],
    ),
    "unknown top-level key": (
        TINY.replace("replicates: 200", "replicate: 200"),
        ["replicate", "did you mean 'replicates'"],
    ),
    "unknown metric": (TINY.replace("mean_terms", "mean_turms"), ["metrics.3", "did you mean 'terms'"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=lambda c: c.replace(" ", "_"))
def test_bad_sweep_file_is_one_line_and_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    text, needles = BAD[case]
    path = write(tmp_path, text)
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: "), err
    for needle in needles:
        assert needle in err, err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------------------
# Small sweeps, in process


def test_sweep_writes_points_parts_manifest_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert exit_code(["sweep", str(write(tmp_path, TINY)), "-w", "1", "-q", "-o", str(out)]) == 0
    assert sorted(p.name for p in (out / "parts").iterdir()) == [
        f"point-{j:06d}.chunk-{c:04d}.parquet" for j in range(6) for c in range(2)
    ]
    points = pq.read_table(out / "points.parquet").to_pandas()
    assert list(points["point"]) == list(range(6))
    assert (points["replicates"] == 200).all()
    from sim.sweep.metrics import MIN_MEAN_N

    settled = (points["p_settlement"] * points["replicates"]).round()
    for m in ("p_settlement", "p_settlement_by_8", "mean_terms", "mean_end.front"):
        lo, hi = points[f"{m}_lo"], points[f"{m}_hi"]
        few = lo.isna()
        assert ((lo <= points[m]) & (points[m] <= hi))[~few].all()
        assert (few == hi.isna()).all()
        # a mean of terms over fewer than MIN_MEAN_N settlements has no interval ("too few"); the rest always do
        expected_few = (settled < MIN_MEAN_N) if m == "mean_terms" else pd.Series(False, index=points.index)
        assert (few == expected_few).all(), m
    assert (points["p_settlement_by_8"] <= points["p_settlement"]).all()
    part = pq.read_table(out / "parts" / "point-000003.chunk-0001.parquet")
    assert part.column_names[:3] == ["point", "replicate", "outcome"]
    assert set(part.column("point").to_pylist()) == {3}
    assert part.column("replicate").to_pylist() == list(range(100, 200))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["parameters"] == ["agents.us.levers.penalty_tariff", "params.costs.scale"]
    assert json.loads((out / "failures.json").read_text()) == []
    assert json.loads((out / "summary.json").read_text())["complete"] is True
    assert not (out / "sensitivity.json").exists()


def test_common_random_numbers_pair_points_and_independent_turns_them_off(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
set: {{horizon_weeks: 12}}
sampler: list
points:
  - {{params.costs.scale: 1.0}}
  - {{params.costs.scale: 1.0}}
  - {{params.costs.scale: 1.2}}
replicates: 300
metrics: [p_settlement, mean_end.front]
"""
    path = write(tmp_path, text)
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(tmp_path / "crn")]) == 0
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(tmp_path / "ind"), "--independent"]) == 0
    crn = pq.read_table(tmp_path / "crn" / "points.parquet").to_pandas()
    ind = pq.read_table(tmp_path / "ind" / "points.parquet").to_pandas()
    assert crn.loc[0, "mean_end.front"] == crn.loc[1, "mean_end.front"]
    assert ind.loc[0, "mean_end.front"] != ind.loc[1, "mean_end.front"]
    # Paired: a higher cost scale settles at least every replicate that settled at the lower one, mostly.
    assert crn.loc[2, "p_settlement"] >= crn.loc[0, "p_settlement"]


def test_sobol_sweep_writes_sensitivity_json(tmp_path: Path) -> None:
    text = f"""
base: {BASELINE}
set: {{horizon_weeks: 12}}
sampler: sobol
samples: 16
parameters:
  params.costs.scale: {{low: 0.5, high: 1.5}}
  params.negotiation.talks_rate: {{low: 0.02, high: 0.2}}
replicates: 50
metrics: [p_settlement, p_russia_collapse]
resamples: 50
"""
    out = tmp_path / "out"
    assert exit_code(["sweep", str(write(tmp_path, text)), "-w", "1", "-q", "-o", str(out)]) == 0
    sens = json.loads((out / "sensitivity.json").read_text())
    assert sens["method"] == "sobol" and sens["points"] == 64
    block = sens["indices"]["p_settlement"]
    assert set(block) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert set(block["ST"]) == {"params.costs.scale", "params.negotiation.talks_rate"}
    assert "p_russia_collapse" in sens["skipped"]


def test_existing_results_are_refused_without_resume_or_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = write(tmp_path, TINY), tmp_path / "out"
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out)]) == 0
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out)]) == 2
    assert "pass --resume to continue it or --force" in capsys.readouterr().err
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out), "--force"]) == 0


def test_resume_refuses_when_the_sweep_file_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = write(tmp_path, TINY), tmp_path / "out"
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out)]) == 0
    before = (out / "points.parquet").read_bytes()
    write(tmp_path, TINY.replace("replicates: 200", "replicates: 300"))
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume: the sweep file changed" in err and err.count("\n") == 1
    assert (out / "points.parquet").read_bytes() == before
    write(tmp_path, TINY)
    assert (
        exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out), "--resume", "--set", "params.costs.fuel=0.002"])
        == 2
    )
    assert "the --set overrides differ" in capsys.readouterr().err


def test_a_task_that_raises_is_recorded_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, TINY)
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(tmp_path / "ref")]) == 0
    real = batching.run_batch  # run_batch_tasks looks it up in sim.batch at each call

    def flaky(batch, **kw):  # type: ignore[no-untyped-def]
        # a batch holding the point that blows up fails whole; it is run again point by point
        if any(s.agents.us.levers["penalty_tariff"] == 50 for s in batch.scenarios) and batch.chunk == 1:
            raise FloatingPointError("model blew up")
        return real(batch, **kw)

    monkeypatch.setattr(batching, "run_batch", flaky)
    out = tmp_path / "out"
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "sweep incomplete: 2 of 12 tasks failed" in err and err.count("\n") == 1
    failures = json.loads((out / "failures.json").read_text())
    assert [(f["point"], f["chunk"]) for f in failures] == [(2, 1), (3, 1)]
    assert "FloatingPointError: model blew up" in failures[0]["error"]
    assert "Traceback" in failures[0]["error"]
    assert len(list((out / "parts").iterdir())) == 10
    points = pq.read_table(out / "points.parquet").to_pandas()
    assert list(points["replicates"]) == [200, 200, 100, 100, 200, 200]
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"

    monkeypatch.setattr(batching, "run_batch", real)
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out), "--resume"]) == 0
    assert (out / "points.parquet").read_bytes() == (tmp_path / "ref" / "points.parquet").read_bytes()
    assert json.loads((out / "failures.json").read_text()) == []


def test_run_sweep_api_reports_progress(tmp_path: Path) -> None:
    sw = load_sweep(write(tmp_path, TINY))
    seen: list[tuple[int, int]] = []
    ticks: list[bool] = []
    report = run_sweep(sw, tmp_path / "out", on_start=lambda t, r: seen.append((t, r)), on_task=ticks.append)
    assert seen == [(12, 0)] and ticks == [True] * 12
    assert report.complete and report.done == 12
    again = run_sweep(sw, tmp_path / "out", resume=True, on_start=lambda t, r: seen.append((t, r)))
    assert seen[-1] == (12, 12) and again.done == 0


def test_resume_refuses_when_the_code_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim.sweep.run

    path, out = write(tmp_path, TINY), tmp_path / "out"
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out)]) == 0
    monkeypatch.setattr(sim.sweep.run, "source_digest", lambda: "an uncommitted edit of the model")
    assert exit_code(["sweep", str(path), "-w", "1", "-q", "-o", str(out), "--resume"]) == 2
    assert "cannot resume: the code (sim package source) changed" in capsys.readouterr().err
