"""sim run SCENARIO --from RESULTS --at DATE (issue 13 §4): a restart with the run's own scenario is the run,
byte for byte; a scenario changed after the date differs only after it; equal weights resampled reproduce the
run's distribution; a calibration's particles are resampled by weight; every bad input is one line, exit 2."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import restart
from sim.model import PressureModel
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

REALISED = SCENARIOS / "realised_2025-26.yaml"
OBSERVED = Path(__file__).resolve().parents[1] / "observations"
# three chunks, the last one partial; the restart date is in week 13 (8 Jan 2026 + 7 days > 15 Jan)
SETS = ["--replicates", "300", "--set", "chunk_size=120", "--horizon", "30", "--trajectories", "front,india_share"]
AT = "2026-01-17"
WEEK = 13
FILES = ("outcomes.parquet", "weekly.parquet", "trajectories.parquet", "summary.json", "scenario.resolved.yaml")


@pytest.fixture(scope="module")
def straight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import exit_code

    out = tmp_path_factory.mktemp("restart") / "straight"
    assert exit_code(["run", str(REALISED), *SETS, "--workers", "1", "--out", str(out), "--no-charts", "-q"]) == 0
    return out


def test_restart_with_the_same_scenario_is_the_run_byte_for_byte(run_cli, straight: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    code, stdout, err = run_cli(
        "run",
        str(REALISED),
        *SETS,
        "--from",
        str(straight),
        "--at",
        AT,
        "--workers",
        "1",
        "--out",
        str(out),
        "--no-charts",
    )
    assert code == 0, err
    assert f"restarted from {straight} at {AT} (week {WEEK}), replicates one to one" in stdout
    for name in FILES:
        assert (out / name).read_bytes() == (straight / name).read_bytes(), name
    record = json.loads((out / "manifest.json").read_text())["restart"]
    assert record == {"from": str(straight), "kind": "run", "at": AT, "week": WEEK, "mode": "one to one"}
    # the charts mark the restart date like an event
    from sim.plots.common import RunInfo
    from sim.provenance import read_manifest

    info = RunInfo.from_result(sim.load_results(out), read_manifest(out))
    assert any(e.week == WEEK and e.label == "restart from straight (one to one)" for e in info.events)


@pytest.mark.slow
def test_restart_is_byte_identical_on_a_pool(run_cli, straight: Path, tmp_path: Path) -> None:
    out = tmp_path / "pool"
    code, _, err = run_cli(
        "run",
        str(REALISED),
        *SETS,
        "--from",
        str(straight),
        "--at",
        AT,
        "-w",
        "2",
        "--out",
        str(out),
        "-q",
        "--no-charts",
    )
    assert code == 0, err
    for name in FILES:
        assert (out / name).read_bytes() == (straight / name).read_bytes(), name


def test_a_change_after_the_date_differs_only_after_it(run_cli, straight: Path, tmp_path: Path) -> None:
    out = tmp_path / "changed"
    # enforcement of the price cap raised at the restart: the discount moves from the next week on
    code, _, err = run_cli(
        "run", str(REALISED), *SETS, "--set", "agents.us.levers.sanctions=0.9", "--from", str(straight), "--at", AT,
        "-w", "1", "--out", str(out), "-q", "--no-charts",
    )  # fmt: skip
    assert code == 0, err
    a, b = pd.read_parquet(straight / "weekly.parquet"), pd.read_parquet(out / "weekly.parquet")
    before, after = a["week"] <= WEEK, a["week"] > WEEK
    pd.testing.assert_frame_equal(a[before], b[before])
    disc_a = a[after & (a["variable"] == "discount") & (a["scope"] == "all")]["q50"].to_numpy()
    disc_b = b[after & (b["variable"] == "discount") & (b["scope"] == "all")]["q50"].to_numpy()
    assert (disc_b > disc_a).all()  # tighter enforcement widens the discount, every week after
    ta, tb = pd.read_parquet(straight / "trajectories.parquet"), pd.read_parquet(out / "trajectories.parquet")
    pd.testing.assert_frame_equal(ta[ta["week"] <= WEEK], tb[tb["week"] <= WEEK])
    oa, ob = pd.read_parquet(straight / "outcomes.parquet"), pd.read_parquet(out / "outcomes.parquet")
    ended = (oa["outcome"] != "ongoing") & (oa["week"] <= WEEK)
    pd.testing.assert_frame_equal(
        oa.loc[ended, ["outcome", "week", "terms"]], ob.loc[ended, ["outcome", "week", "terms"]]
    )
    drawn = [c for c in oa.columns if c.startswith(("params.", "initial."))]
    pd.testing.assert_frame_equal(oa[drawn], ob[drawn])  # the replicates keep their parameters


def test_equal_weights_resampled_reproduce_the_runs_distribution(tmp_path: Path) -> None:
    sc = load_scenario(REALISED, ["replicates=3000", "chunk_size=1000", "horizon_weeks=40", "trajectories=[front]"])
    direct = sim.run(sc)
    src = restart.read_source(sim.write_results(direct, tmp_path / "src"))
    equal = dataclasses.replace(src, weights=np.full(3000, 1 / 3000), kind="conditioned")
    date = dt.date(2026, 1, 17)
    again, record = restart.run_restart(restart.prepare(equal, sc, date, "x")[0], equal, date)
    assert record["mode"] == "resampled" and record["distinct"] == 3000  # equal weights: each drawn once
    a, b = direct.weekly, again.weekly
    # the history is the run's; after the date fresh streams: the same distribution, other draws
    pd.testing.assert_frame_equal(a[a["week"] <= WEEK], b[b["week"] <= WEEK])
    assert not a[a["week"] > WEEK].reset_index(drop=True).equals(b[b["week"] > WEEK].reset_index(drop=True))
    n = 3000
    for outcome in ("settlement", "ongoing"):
        p, q = direct.summary["outcomes"][outcome]["p"], again.summary["outcomes"][outcome]["p"]
        se = np.sqrt(2 * max(p * (1 - p), 1e-4) / n)
        assert abs(p - q) < 4 * se, (outcome, p, q)
    end = (a["week"] == 40) & (a["variable"] == "front") & (a["scope"] == "all")
    qa, qb = a[end][["q05", "q50", "q95"]].to_numpy(), b[end][["q05", "q50", "q95"]].to_numpy()
    assert np.abs(qa - qb).max() < 0.004  # the front's 5/50/95% at the horizon (its 90% band is ~0.02 wide)


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import exit_code

    out = tmp_path_factory.mktemp("restart") / "cal"
    args = ["calibrate", str(REALISED), str(OBSERVED / "observed_2025-26.csv"), "-n", "300", "--generations", "2"]
    assert exit_code([*args, "--out", str(out)]) in (0, 3)  # 3: still tempered after 2 generations (written)
    return out


def test_a_calibration_is_resampled_by_weight(run_cli, calibration: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast"
    code, stdout, err = run_cli(
        "run", str(REALISED), "-n", "400", "--horizon", "30", "--trajectories", "india_share", "--from",
        str(calibration), "--at", "2026-02-15", "-w", "1", "--out", str(out), "--no-charts",
    )  # fmt: skip
    assert code == 0, err
    assert "replicates resampled by weight (ESS" in stdout
    record = json.loads((out / "manifest.json").read_text())["restart"]
    assert record["mode"] == "resampled" and record["kind"] == "calibration" and record["week"] == 17
    particles = pd.read_csv(calibration / "particles.csv")
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert len(outcomes) == 400
    path = "params.negotiation.commitment_k"
    # every replicate is a particle: its parameter to the particles' 9 digits; heavy particles are drawn often
    assert set(np.round(outcomes[path], 6)) <= set(np.round(particles[path], 6))
    w = particles["weight"].to_numpy() / particles["weight"].sum()
    assert record["ess"] == pytest.approx(1 / np.sum(w * w))
    heavy = particles.loc[particles["weight"].idxmax(), path]
    drawn = np.isclose(outcomes[path], heavy, rtol=1e-8).sum()
    assert abs(drawn - 400 * w.max()) <= 1.0  # systematic resampling: floor or ceil of N w


def test_a_conditioned_run_is_resampled(run_cli, conditioned_pair: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cond"
    code, _, err = run_cli(
        "run", str(SCENARIOS / "baseline.yaml"), "-n", "200", "--horizon", "30", "--from",
        str(conditioned_pair["posterior"]), "--at", "2026-03-05", "-w", "1", "--out", str(out), "-q", "--no-charts",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads((out / "manifest.json").read_text())["restart"]
    assert record["kind"] == "conditioned" and record["mode"] == "resampled"
    weekly = pd.read_parquet(out / "weekly.parquet")
    # conditioned on no war ended by 5 March 2026 (week 20): no replicate drawn had ended by then
    ended = weekly[(weekly["variable"] == "share.ongoing") & (weekly["week"] == 20)]["mean"]
    assert float(ended.iloc[0]) == 1.0


def test_the_snapshot_carries_every_per_replicate_attribute() -> None:
    sc = load_scenario(REALISED, ["replicates=7", "horizon_weeks=30"])
    model = PressureModel(sc, 7)
    for _ in range(3):
        model.step()
    assert restart.per_replicate_attributes(model) == set()
    model.memory = np.zeros(7)  # new per-replicate state the snapshot would miss: named
    assert restart.per_replicate_attributes(model) == {"model.memory"}


def test_agents_memory_is_carried_and_gathered_whatever_its_container() -> None:
    sc = load_scenario(REALISED, ["replicates=6", "horizon_weeks=30"])
    old = PressureModel(sc, 6, keep=("front",))
    history = restart.advance(old, 4)
    old.russia.memo = {"seen": np.arange(6.0)}  # an agent's memory kept in a dict of arrays
    snap = restart.take(restart.snapshot(old, history, streams=False), np.array([5, 5, 0]))
    new = PressureModel(sc, 3, keep=("front",))
    restart.restore(new, snap, {}, seed=1)
    assert new.week == 4 and list(new.russia.memo["seen"]) == [5.0, 5.0, 0.0]
    assert np.array_equal(new.state.front, old.state.front[[5, 5, 0]])
    assert np.array_equal(new.russia.cost_type, old.russia.cost_type[[5, 5, 0]])
    assert np.array_equal(new.recorder.trajectories["front"][:5], old.recorder.trajectories["front"][:5, [5, 5, 0]])


def _cli_error(run_cli, *args: str) -> str:
    code, _, err = run_cli("run", *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    return lines[0]


def test_bad_restarts_are_one_line_errors(run_cli, straight: Path, tmp_path: Path) -> None:
    common = [*SETS, "-w", "1", "-q", "--no-charts", "--out", str(tmp_path / "x")]
    sc = str(REALISED)
    assert "--from and --at go together" in _cli_error(run_cli, sc, *common, "--from", str(straight))
    assert "--from and --at go together" in _cli_error(run_cli, sc, *common, "--at", AT)
    missing = str(tmp_path / "nothing")
    assert f"{missing}: not a results directory" in _cli_error(run_cli, sc, *common, "--from", missing, "--at", AT)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not a results directory (missing" in _cli_error(run_cli, sc, *common, "--from", str(empty), "--at", AT)
    msg = _cli_error(run_cli, sc, *common, "--from", str(straight), "--at", "2025-01-01")
    assert "--at 2025-01-01: expected a date in the run of" in msg
    msg = _cli_error(run_cli, sc, *common, "--from", str(straight), "--at", "2027-01-01")
    assert "--at 2027-01-01: expected a date in the run of" in msg
    msg = _cli_error(run_cli, sc, *common, "--horizon", "20", "--from", str(straight), "--at", "2026-03-07")
    assert "--at 2026-03-07 is week 20, not before the horizon (20 weeks): nothing to run" in msg
    msg = _cli_error(run_cli, sc, *common, "--set", "params.costs.scale=2", "--from", str(straight), "--at", AT)
    assert "params.costs.scale: 2.0, but" in msg and "a restart keeps every replicate's parameters" in msg
    msg = _cli_error(run_cli, sc, *common, "--set", "start_date=2025-10-23", "--from", str(straight), "--at", AT)
    assert "start_date: 2025-10-23, but the run in" in msg
    msg = _cli_error(run_cli, sc, *common, "--set", "switches.oil=false", "--from", str(straight), "--at", AT)
    assert "switches: differ from the run in" in msg
    msg = _cli_error(run_cli, sc, *common, "--set", "events.eu_loan_90bn.week=5", "--from", str(straight), "--at", AT)
    assert "events.eu_loan_90bn: week 5 is not after the restart (week 13, 2026-01-17)" in msg
    msg = _cli_error(run_cli, sc, *common, "-n", "100", "--from", str(straight), "--at", AT)
    assert "--replicates 100: a restart from a run without weights continues its 300 replicates" in msg


def test_an_edited_or_restarted_run_is_refused(run_cli, straight: Path, tmp_path: Path) -> None:
    import shutil

    import pyarrow.parquet as pq

    edited = tmp_path / "edited"
    shutil.copytree(straight, edited)
    table = pq.read_table(edited / "outcomes.parquet").to_pandas()
    table["params.negotiation.commitment_k"] += 1e-9
    pq.write_table(__import__("pyarrow").Table.from_pandas(table, preserve_index=False), edited / "outcomes.parquet")
    common = [*SETS, "-w", "1", "-q", "--no-charts"]
    msg = _cli_error(run_cli, str(REALISED), *common, "--out", str(tmp_path / "y"), "--from", str(edited), "--at", AT)
    assert "re-simulating its run does not reproduce the parameter draws (params.negotiation.commitment_k)" in msg
    again = tmp_path / "again"
    assert run_cli("run", str(REALISED), *common, "--out", str(again), "--from", str(straight), "--at", AT)[0] == 0
    msg = _cli_error(run_cli, str(REALISED), *common, "--out", str(tmp_path / "z"), "--from", str(again), "--at", AT)
    assert "itself a restarted run" in msg


def test_help_documents_the_restart(run_cli) -> None:
    code, out, _ = run_cli("run", "--help")
    assert code == 0 and "--from RESULTS" in out and "--at DATE" in out


def test_a_calibration_directory_can_be_replaced_with_force(tmp_path: Path) -> None:
    from tests.conftest import exit_code

    out = str(tmp_path / "cal")
    args = ["calibrate", str(REALISED), str(OBSERVED / "observed_2025-26.csv"), "-n", "40", "--generations", "1"]
    assert exit_code([*args, "--out", out]) in (0, 3)
    first = (tmp_path / "cal" / "particles.csv").read_bytes()
    assert json.loads((tmp_path / "cal" / "manifest.json").read_text())["kind"] == "calibration"
    assert exit_code([*args, "--out", out]) == 2  # exists: refused without --force
    assert exit_code([*args, "--out", out, "--force"]) in (0, 3)
    assert (tmp_path / "cal" / "particles.csv").read_bytes() == first


def test_the_python_api_restarts_and_records_it(straight: Path, tmp_path: Path) -> None:
    sets = ["replicates=300", "chunk_size=120", "horizon_weeks=30", "trajectories=[front,india_share]"]
    result = sim.run_from(REALISED, straight, AT, overrides=sets)
    assert result.restart == {"from": str(straight), "kind": "run", "at": AT, "week": WEEK, "mode": "one to one"}
    out = sim.write_results(result, tmp_path / "api")
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "outcomes.parquet"), pd.read_parquet(straight / "outcomes.parquet")
    )
    assert (out / "weekly.parquet").read_bytes() == (straight / "weekly.parquet").read_bytes()
    assert json.loads((out / "manifest.json").read_text())["restart"]["mode"] == "one to one"


@pytest.mark.slow
def test_a_resampled_restart_is_byte_identical_across_workers(calibration: Path, tmp_path: Path) -> None:
    from tests.conftest import exit_code

    args = ["run", str(REALISED), "-n", "500", "--set", "chunk_size=200", "--horizon", "25", "--from"]
    args += [str(calibration), "--at", "2026-02-15", "-q", "--no-charts", "--trajectories", "front"]
    assert exit_code([*args, "-w", "1", "--out", str(tmp_path / "one")]) == 0
    assert exit_code([*args, "-w", "2", "--out", str(tmp_path / "two")]) == 0
    for name in FILES[:-1]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.slow
def test_a_resampled_restart_on_a_dask_cluster_gives_the_same_bytes(calibration: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import exit_code, local_dask_cluster

    args = ["run", str(REALISED), "-n", "300", "--set", "chunk_size=100", "--horizon", "22", "--from"]
    args += [str(calibration), "--at", "2026-02-15", "-q", "--no-charts", "--trajectories", "front"]
    assert exit_code([*args, "-w", "1", "--out", str(tmp_path / "local")]) == 0
    (tmp_path / "dask").mkdir()
    with local_dask_cluster(tmp_path / "dask") as address:
        done = subprocess.run(
            [sys.executable, "-m", "sim.cli", *args, "--scheduler", address, "--out", str(tmp_path / "cluster")],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).resolve().parents[1],
        )
    assert done.returncode == 0, done.stderr
    for name in FILES[:-1]:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "cluster" / name).read_bytes(), name
