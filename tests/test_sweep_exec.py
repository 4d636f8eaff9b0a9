"""Sweeps across processes: byte-identical results for any executor, a killed worker, a killed sweep resumed,
and a real Dask cluster (a scheduler and two workers on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import exit_code, free_port, local_dask_cluster

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
# 16 points x 2 chunks = 32 tasks of 100 replicates x 104 weeks: a few seconds, long enough to interrupt.
SWEEP = f"""
name: exec
base: {BASELINE}
set: {{chunk_size: 100}}
sampler: grid
parameters:
  agents.us.levers.penalty_tariff: [0, 25, 50, 100]
  params.costs.scale: {{low: 0.6, high: 1.4, num: 4}}
replicates: 200
metrics: [p_settlement, p_settlement_by_26, median_settlement_week, mean_terms, p_escalation]
"""
TASKS = 32


def sim_process(args: list[str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        **kwargs,
    )  # type: ignore[call-overload]


def files(out: Path) -> dict[str, bytes]:
    """Every byte that must not depend on how the sweep ran: points.parquet and each part."""
    found = {"points.parquet": (out / "points.parquet").read_bytes()}
    for part in sorted((out / "parts").iterdir()):
        found[f"parts/{part.name}"] = part.read_bytes()
    return found


def wait_for_parts(out: Path, n: int, proc: subprocess.Popen[str], timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = len(list((out / "parts").glob("point-*.parquet"))) if (out / "parts").is_dir() else 0
        if done >= n:
            return done
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before {n} parts: {proc.communicate()}")
        time.sleep(0.01)
    pytest.fail(f"no {n} parts after {timeout} s")


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "exec.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(sweep_file: Path) -> dict[str, bytes]:
    """The sweep run in process (--workers 1): what every other way of running it must reproduce."""
    out = sweep_file.parent / "reference"
    assert exit_code(["sweep", str(sweep_file), "--workers", "1", "--quiet", "--out", str(out)]) == 0
    found = files(out)
    assert len(found) == 1 + TASKS
    return found


def test_two_local_workers_give_the_same_bytes(sweep_file: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "two"
    assert exit_code(["sweep", str(sweep_file), "--workers", "2", "--quiet", "--out", str(out)]) == 0
    assert files(out) == reference


@pytest.mark.slow
def test_a_killed_worker_loses_no_task(sweep_file: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "killed-worker"
    # batches of 2 points (16 tasks): work is still in flight when the first parts appear
    proc = sim_process(
        ["sweep", str(sweep_file), "--workers", "2", "--quiet", "--out", str(out), "--batch-points", "2"]
    )
    try:
        wait_for_parts(out, 1, proc)
        # The pool's workers are the grandchildren of the sweep (children of the forkserver).
        workers = [g for c in psutil.Process(proc.pid).children() for g in c.children()]
        assert workers, "no pool worker found"
        os.kill(workers[0].pid, signal.SIGKILL)
        _stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert "a worker died; rebuilding the pool" in stderr
    assert files(out) == reference


@pytest.mark.slow
def test_a_sweep_killed_halfway_resumes_to_the_same_bytes(
    sweep_file: Path, reference: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "killed-sweep"
    proc = sim_process(
        ["sweep", str(sweep_file), "--workers", "2", "--quiet", "--out", str(out)], start_new_session=True
    )
    try:
        wait_for_parts(out, TASKS // 4, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its pool, as a crash or the OOM killer would
        proc.communicate()
    kept = len(list((out / "parts").glob("point-*.parquet")))
    assert TASKS // 4 <= kept < TASKS
    assert not (out / "points.parquet").exists()
    assert exit_code(["sweep", str(sweep_file), "--workers", "1", "--quiet", "--out", str(out), "--resume"]) == 0
    assert files(out) == reference


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A Dask scheduler and two single-threaded workers, separate processes on 127.0.0.1, torn down after."""
    with local_dask_cluster(tmp_path) as address:
        yield address


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_bytes(
    sweep_file: Path, reference: dict[str, bytes], tmp_path: Path, dask_cluster: str
) -> None:
    out = tmp_path / "dask"
    proc = sim_process(["sweep", str(sweep_file), "--scheduler", dask_cluster, "--quiet", "--out", str(out)])
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert files(out) == reference
    assert "Dask scheduler " + dask_cluster in (out / "manifest.json").read_text()


def test_workers_and_scheduler_exclude_each_other(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sweep", str(sweep_file), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path)]
    assert exit_code(args) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_run_error() -> None:
    from sim.errors import RunError
    from sim.executors import DaskCluster

    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(RunError, match=f"cannot connect to the Dask scheduler at {address}"):
        DaskCluster(address, timeout=1.0)
