"""``sim run`` on the sweeps' execution path: byte-identical results in process, on a local pool (even when a
worker dies) and on a real Dask cluster (a scheduler and two workers on 127.0.0.1) reached by address, by a
scheduler file, or through a ``distributed.Client`` in the Python API."""

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

import sim
from tests.conftest import SCHEDULER_FILE, exit_code, local_dask_cluster

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
# 15 chunks of 100 replicates x 104 weeks, two state variables kept: every file a run writes has several chunks, and
# the run lasts long enough that a worker killed early in it still has tasks to lose (a faster engine made 6 too few).
ARGS = ["-n", "1500", "--seed", "5", "--set", "chunk_size=100", "--trajectories", "front,india_share", "--no-charts"]
OUTPUTS = ("outcomes.parquet", "weekly.parquet", "trajectories.parquet", "summary.json", "scenario.resolved.yaml")


def outputs(out: Path) -> dict[str, bytes]:
    """Every byte that must not depend on where the run ran."""
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def sim_process(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The run in process (--workers 1): what every other way of running it must reproduce."""
    out = tmp_path_factory.mktemp("run") / "reference"
    assert exit_code(["run", str(BASELINE), *ARGS, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    return outputs(out)


def test_two_local_workers_give_the_same_bytes(reference: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "two"
    assert exit_code(["run", str(BASELINE), *ARGS, "--workers", "2", "--quiet", "--out", str(out)]) == 0
    assert outputs(out) == reference
    assert '"executor": "2 local worker processes"' in (out / "manifest.json").read_text()


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_the_run_gives_the_same_bytes(
    reference: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "killed-worker"
    proc = sim_process(["run", str(BASELINE), *ARGS, "--workers", "2", "--quiet", "--out", str(out)])
    try:
        deadline = time.monotonic() + 60
        killed = False
        while not killed and time.monotonic() < deadline and proc.poll() is None:
            # The pool's workers are the grandchildren of the run (children of the forkserver). A process listed
            # here may exit before the kill reaches it (a short-lived helper): then look again.
            try:
                workers = [g for c in psutil.Process(proc.pid).children() for g in c.children()]
            except psutil.NoSuchProcess:
                workers = []
            for worker in workers:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                killed = True
                break
            time.sleep(0.01)
        assert killed, "no pool worker found"
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert "a worker died; rebuilding the pool" in stderr
    assert outputs(out) == reference


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One Dask cluster for this module's tests: its address and its scheduler file."""
    directory = tmp_path_factory.mktemp("dask")
    with local_dask_cluster(directory) as address:
        yield address, directory / SCHEDULER_FILE


@pytest.mark.slow
def test_sim_run_on_a_dask_cluster_gives_the_same_bytes(
    reference: dict[str, bytes], tmp_path: Path, cluster: tuple[str, Path]
) -> None:
    address, _file = cluster
    out = tmp_path / "dask"
    proc = sim_process(["run", str(BASELINE), *ARGS, "--scheduler", address, "--quiet", "--out", str(out)])
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert outputs(out) == reference
    assert f'"executor": "Dask scheduler {address}"' in (out / "manifest.json").read_text()


@pytest.mark.slow
def test_a_scheduler_file_reaches_the_same_cluster(
    reference: dict[str, bytes], tmp_path: Path, cluster: tuple[str, Path]
) -> None:
    address, scheduler_file = cluster
    out = tmp_path / "dask-file"
    proc = sim_process(["run", str(BASELINE), *ARGS, "--scheduler-file", str(scheduler_file), "-q", "-o", str(out)])
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert outputs(out) == reference
    assert f'"executor": "Dask scheduler {address}"' in (out / "manifest.json").read_text()


@pytest.mark.slow
def test_a_sweep_takes_a_scheduler_file_too(tmp_path: Path, cluster: tuple[str, Path]) -> None:
    _address, scheduler_file = cluster
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(
        f"name: tiny\nbase: {BASELINE}\nsampler: list\nreplicates: 40\nmetrics: [p_settlement]\n"
        "points:\n  - {params.costs.scale: 0.8}\n  - {params.costs.scale: 1.2}\n",
        encoding="utf-8",
    )
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert exit_code(["sweep", str(sweep), "--workers", "1", "-q", "-o", str(local)]) == 0
    assert exit_code(["sweep", str(sweep), "--scheduler-file", str(scheduler_file), "-q", "-o", str(remote)]) == 0
    assert (remote / "points.parquet").read_bytes() == (local / "points.parquet").read_bytes()


@pytest.mark.slow
def test_the_python_api_runs_on_any_dask_client(cluster: tuple[str, Path]) -> None:
    from distributed import Client

    address, _file = cluster
    scenario = sim.load_scenario(BASELINE, ["replicates=300", "chunk_size=100", "seed=9"])
    local = sim.run(scenario)
    with Client(address, timeout="30s", set_as_default=False) as client:
        remote = sim.run(scenario, client=client)
        assert client.status == "running"  # a client it was given is left open
    assert remote.summary == local.summary
    assert remote.outcomes.equals(local.outcomes) and remote.weekly.equals(local.weekly)


def test_workers_and_a_scheduler_exclude_each_other(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run_cli("run", str(BASELINE), "-w", "2", "--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path))
    assert code == 2 and "error: --workers and --scheduler exclude each other" in err


def test_a_missing_scheduler_file_is_one_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nowhere.json"
    code, _out, err = run_cli("run", str(BASELINE), "--scheduler-file", str(missing), "-o", str(tmp_path / "x"))
    assert code == 2
    assert err == f"error: {missing}: no such scheduler file (written by dask scheduler --scheduler-file)\n"
    assert not (tmp_path / "x").exists()
