"""Sweeps as one ensemble (issue 17): points side by side in one chunk keep their random numbers and their
results, byte for byte, against the path before batching (one model per point and chunk, ``run_tasks``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import seeds
from sim.batch import (
    MAX_BATCH_REPLICATES,
    MIN_BATCH_REPLICATES,
    Batch,
    BlockedGenerator,
    group_batches,
    points_per_batch,
    signature,
)
from sim.executors import BatchTask, Task, part_bytes, part_name, run_batch_tasks, run_tasks
from sim.scenario import load_scenario
from sim.sweep import load_sweep, run_sweep
from sim.sweep.spec import Sweep

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def legacy_parts(sweep: Sweep, points: list[int], independent: bool) -> dict[str, bytes]:
    """Each point and chunk run alone, as sweeps ran before batching."""
    tasks = [Task(j, c, n, sweep.scenario(j), independent) for j in points for c, n in enumerate(sweep.chunks)]
    out = {}
    for r in run_tasks(tasks):
        assert r.part is not None, r.error
        out[part_name(r.point, r.chunk)] = r.part
    return out


def batched_parts(sweep: Sweep, points: list[int], per: int, independent: bool) -> dict[str, bytes]:
    tasks = [
        BatchTask(tuple(group), c, n, tuple(sweep.scenario(j) for j in group), independent)
        for c, n in enumerate(sweep.chunks)
        for group in group_batches(points, lambda j: signature(sweep.scenario(j)), per)
    ]
    out = {}
    for r in run_batch_tasks(tasks):
        assert r.part is not None, r.error
        out[part_name(r.point, r.chunk)] = r.part
    return out


def short(path: Path, tmp: Path, weeks: int) -> tuple[Path, list[str]]:
    """The shipped sweep file at a horizon of ``weeks`` (the model's fixed cost is per week), without the metrics
    of a later week and with the base's events moved within it, unless the sweep schedules events itself (then
    as shipped); its base by absolute path."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if any(k.startswith("events.") for k in {**data.get("set", {}), **data.get("parameters", {})}):
        return path, []
    data["base"] = str((path.parent / data["base"]).resolve())
    data["metrics"] = [m for m in data["metrics"] if "_by_" not in m]
    for name, event in load_scenario(data["base"]).events.items():  # the base's own events, within the horizon
        if event.week > weeks:
            data.setdefault("set", {})[f"events.{name}.week"] = weeks
    out = tmp / path.name
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return out, [f"horizon_weeks={weeks}"]


@pytest.mark.parametrize(
    ("path", "independent"),
    [
        pytest.param(p, independent, id=f"{p.stem}-{'independent' if independent else 'common'}", marks=marks)
        for p in SHIPPED
        for independent in (False, True)
        # a sweep of events runs its whole horizon: its independent variant is in the slow tier
        for marks in [[pytest.mark.slow] if independent and "tomahawks" in p.name else []]
    ],
)
def test_a_shipped_sweeps_points_keep_their_bytes_in_any_batch(path: Path, independent: bool, tmp_path: Path) -> None:
    """Five points of every shipped sweep (spread over its design), two chunks each (the second partial):
    batches of all five and of two (uneven) give every part byte-identical to each point run alone."""
    path, overrides = short(path, tmp_path, 20)
    sweep = load_sweep(path, ["chunk_size=16", *overrides], replicates=24)
    points = sorted({int(round(x)) for x in np.linspace(0, len(sweep.design) - 1, 5)})
    reference = legacy_parts(sweep, points, independent)
    assert len(reference) == 2 * len(points)
    for per in (len(points), 2):
        assert batched_parts(sweep, points, per, independent) == reference


VARIED = f"""
name: varied
base: {BASELINE}
set:
  events.ceasefire_summit: {{week: 3, kind: summit, probability: 0.5}}
  events.salvo: {{week: 2, kind: salvo, value: 300}}
  events.oil_shock: {{week: 4, kind: param, param: oil.jump_rate, value: 0.02}}
  events.tomahawks_approved: {{week: 6, kind: tomahawks, value: 1}}
  agents.us.policies.tomahawks_if_no_deal: null
sampler: list
points:
  - {{events.ceasefire_summit.probability: 0.2, events.salvo.value: 100, events.oil_shock.value: 0.01,
     events.tomahawks_approved.week: 2, initial.front: 0.2, agents.russia.levers.offensive: 0.5}}
  - {{events.ceasefire_summit.probability: 0.9, events.salvo.value: 800, events.oil_shock.value: 0.03,
     events.tomahawks_approved.week: 9, initial.front: 0.21, agents.russia.levers.offensive: 1.0}}
  - {{events.ceasefire_summit.probability: 0.5, events.salvo.value: 0, events.oil_shock.value: 0.02,
     events.tomahawks_approved.week: 12, initial.front: 0.19, agents.russia.levers.offensive: 0.8}}
replicates: 30
seed: 7
metrics: [p_settlement, mean_end.front]
"""


@pytest.mark.parametrize("independent", [False, True], ids=["common", "independent"])
def test_events_initial_values_and_levers_that_differ_between_points_batch_exactly(
    tmp_path: Path, independent: bool
) -> None:
    """What a sweep may vary besides parameters: an event's probability, value and week (a summit, a salvo, a
    parameter shock, Tomahawk approval), an initial value and a lever. One batch of three reproduces each
    point alone."""
    path = tmp_path / "varied.yaml"
    path.write_text(VARIED, encoding="utf-8")
    sweep = load_sweep(path, ["horizon_weeks=14"])
    points = [0, 1, 2]
    assert len({signature(sweep.scenario(j)) for j in points}) == 1
    assert batched_parts(sweep, points, 3, independent) == legacy_parts(sweep, points, independent)


def test_a_blocked_generator_draws_what_each_block_draws_alone() -> None:
    keys = [None, None, None]
    batch = Batch(tuple(load_scenario(str(BASELINE)) for _ in keys), 5, 2, tuple(keys))
    shared = batch.generator("market")
    assert shared.shared
    alone = seeds.generator(batch.spec.seed, 2, "market")
    for shape in (15, (3, 15)):
        got = shared.standard_normal(shape)
        one = alone.standard_normal(5 if shape == 15 else (3, 5))
        np.testing.assert_array_equal(got, np.concatenate([one] * 3, axis=-1))
    own = Batch(batch.scenarios, 5, 2, (4, 0, 9)).generator("oil", extra=11)
    assert not own.shared
    got = own.random((2, 15))
    for k, p in enumerate((4, 0, 9)):
        alone_k = seeds.generator(batch.spec.seed, 2, "oil", point=p, extra=11).random((2, 5))
        np.testing.assert_array_equal(got[:, 5 * k : 5 * (k + 1)], alone_k)
    with pytest.raises(ValueError, match="spans every block"):
        BlockedGenerator(own.generators, 5).random(14)


def test_scenarios_differing_in_what_is_read_for_the_whole_chunk_do_not_share_one() -> None:
    base = load_scenario(str(BASELINE))
    same = [
        load_scenario(str(BASELINE), ["params.costs.scale=1.3"]),
        load_scenario(str(BASELINE), ["agents.us.levers.penalty_tariff=75"]),
        load_scenario(str(BASELINE), ["initial.front=0.3", "name=other"]),
    ]
    for sc in same:
        assert signature(sc) == signature(base)
    apart = [
        load_scenario(str(BASELINE), ["switches.oil=false"]),
        load_scenario(str(BASELINE), ["params.negotiation.fixed_offer=0.3"]),
        load_scenario(str(BASELINE), ["params.costs.scale={dist: uniform, low: 0.5, high: 1.5}"]),
        load_scenario(str(BASELINE), ["horizon_weeks=50"]),
    ]
    for sc in apart:
        assert signature(sc) != signature(base)
    keys = {0: "a", 1: "b", 2: "a", 3: "a", 4: "b"}
    assert group_batches(list(keys), keys.__getitem__, 2) == [[0, 2], [3], [1, 4]]


def test_the_automatic_batch_holds_10_to_50_thousand_replicates() -> None:
    # 100 points x 400 on one worker: four batches of 10,000 (at least 4 per worker)
    assert points_per_batch(400, 100, 1) == 25
    # the shipped Sobol design (768 x 400) on two workers: 50,000 replicates at most a batch
    per = points_per_batch(400, 768, 2)
    assert MIN_BATCH_REPLICATES <= per * 400 <= MAX_BATCH_REPLICATES
    assert per * 400 >= 768 * 400 // (4 * 2) or per * 400 == MAX_BATCH_REPLICATES
    assert points_per_batch(10_000, 50, 2) == 1  # a point's chunk is already large
    assert points_per_batch(100, 3, 2) == 3  # a small sweep: one batch of all
    assert points_per_batch(400, 100, 1, override=7) == 7


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Constant values encountered")  # SALib, on a metric constant at 3 weeks
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_sweep_writes_the_same_bytes_batched_on_two_workers_and_resumed(path: Path, tmp_path: Path) -> None:
    """Every shipped sweep, whole, at a few replicates: points.parquet and every part byte-identical between the
    path before batching, the automatic batches in process, batches of 7 on two local workers, and a resume
    that finds every other part missing (half-done batches rebuilt)."""
    from sim.executors import make_backend

    path, overrides = short(path, tmp_path, 3)
    sweep = load_sweep(path, ["chunk_size=6", *overrides], replicates=8)

    def files(out: Path) -> dict[str, bytes]:
        found = {"points.parquet": (out / "points.parquet").read_bytes()}
        found |= {p.name: p.read_bytes() for p in sorted((out / "parts").iterdir())}
        return found

    run_sweep(sweep, tmp_path / "legacy", unbatched=True)
    reference = files(tmp_path / "legacy")
    assert len(reference) == 1 + 2 * len(sweep.design)
    report = run_sweep(sweep, tmp_path / "auto")
    assert report.complete and files(tmp_path / "auto") == reference
    backend = make_backend(2)
    try:
        run_sweep(sweep, tmp_path / "two", backend=backend, batch_points=7)
    finally:
        backend.close()
    assert files(tmp_path / "two") == reference
    for k, part in enumerate(sorted((tmp_path / "two" / "parts").iterdir())):
        if k % 2:
            part.unlink()
    (tmp_path / "two" / "points.parquet").unlink()
    report = run_sweep(sweep, tmp_path / "two", resume=True, batch_points=5)
    assert report.resumed == len(sweep.design) and report.done == len(sweep.design)
    assert files(tmp_path / "two") == reference


def test_rules_whose_value_probability_and_thresholds_differ_between_scenarios_batch_exactly() -> None:
    """The batching API on scenarios a caller builds (an explorer, a calibration): rules that differ in the lever
    value they set, their probability and a condition's threshold share one chunk, each block as if alone."""
    from sim.scenario import validate_scenario

    base = load_scenario(str(BASELINE), ["horizon_weeks=30", "replicates=40"]).model_dump(mode="json")
    variants = []
    for value, probability, share in ((1.0, 0.3, 0.10), (0.0, 0.9, 0.25), (1.0, 0.6, 0.18)):
        data = json.loads(json.dumps(base))
        us = data["agents"]["us"]["policies"]
        us["tomahawks_if_no_deal"]["value"] = value
        us["tomahawks_if_no_deal"]["probability"] = probability
        us["lift_penalty_tariff"]["when"][0]["value"] = share
        variants.append(validate_scenario(data, "test"))
    assert len({signature(s) for s in variants}) == 1
    for independent in (False, True):
        alone = run_tasks([Task(j, 0, 40, s, independent) for j, s in enumerate(variants)])
        together = run_batch_tasks([BatchTask((0, 1, 2), 0, 40, tuple(variants), independent)])
        assert [r.part for r in together] == [r.part for r in alone]
        assert len({r.part for r in alone}) == 3  # the rules made a difference


def test_run_scenarios_gives_each_candidate_its_own_run() -> None:
    """The API for callers with many candidates: each scenario's outcome table over all its chunks equals its
    run alone (``sim.runner.run_chunk``, chunk by chunk), whatever the batch size; scenarios that cannot share a
    chunk (here a switch) run apart."""
    import pyarrow as pa

    from sim.batch import run_scenarios
    from sim.runner import run_chunk

    common = ["horizon_weeks=12", "replicates=30", "chunk_size=20"]
    candidates = [load_scenario(str(BASELINE), [*common, f"params.costs.scale={x}"]) for x in (0.7, 1.0, 1.3)] + [
        load_scenario(str(BASELINE), [*common, "switches.oil=false"])
    ]
    alone = [pa.concat_tables([run_chunk(s, c, n)["outcomes"] for c, n in enumerate((20, 10))]) for s in candidates]
    for per in (None, 2):
        got = run_scenarios(candidates, batch_points=per)
        assert [part_bytes(0, t) for t in got] == [part_bytes(0, a) for a in alone]  # NaN terms compare equal
    independent = run_scenarios(candidates[:2], points=[5, 6])
    own = pa.concat_tables([run_chunk(candidates[1], c, n, point=6)["outcomes"] for c, n in enumerate((20, 10))])
    assert part_bytes(0, independent[1]) == part_bytes(0, own)


def test_a_batchable_path_set_to_another_number_keeps_the_signature() -> None:
    """sim.batch.batchable_path (the sweep's shortcut: no signature computed point by point when every swept
    path is batchable) agrees with signature on every kind of path."""
    from sim.batch import batchable_path

    base = load_scenario(str(BASELINE))
    for path, value in (
        ("params.costs.scale", 1.3),
        ("initial.front", 0.3),
        ("agents.us.levers.penalty_tariff", 75),
        ("events.frozen_assets_decision.week", 12),
        ("events.frozen_assets_decision.probability", 0.2),
        ("agents.us.policies.tomahawks_if_no_deal.probability", 0.8),
        ("agents.us.policies.tomahawks_if_no_deal.value", 0),
    ):
        assert batchable_path(path), path
        assert signature(load_scenario(str(BASELINE), [f"{path}={value}"])) == signature(base), path
    for path in ("params.negotiation.fixed_offer", "switches.oil", "horizon_weeks", "params.costs"):
        assert not batchable_path(path), path


def test_points_aggregated_from_the_workers_columns_equal_those_read_back_from_the_parts(tmp_path: Path) -> None:
    """run_sweep aggregates points.parquet from the metric columns the workers sent beside each part; the same
    table from the parts read back from disk (as a resumed sweep does) is byte-identical, and so is the path
    before batching."""
    import io

    import pyarrow.parquet as pq

    from sim.sweep.run import aggregate

    path = tmp_path / "varied.yaml"
    path.write_text(VARIED, encoding="utf-8")
    sweep = load_sweep(path, ["horizon_weeks=14", "chunk_size=20"])
    report = run_sweep(sweep, tmp_path / "out")
    written = (tmp_path / "out" / "points.parquet").read_bytes()
    buf = io.BytesIO()
    pq.write_table(aggregate(sweep, tmp_path / "out"), buf, compression="zstd")
    assert report.points_table is not None and buf.getvalue() == written
    run_sweep(sweep, tmp_path / "legacy", unbatched=True)
    assert (tmp_path / "legacy" / "points.parquet").read_bytes() == written
