"""Shared fixtures: small, seeded runs of shipped scenarios."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
BIN = Path(sys.executable).parent
SCHEDULER_FILE = "scheduler.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_dask_cluster(directory: Path, workers: int = 2) -> Iterator[str]:
    """A Dask scheduler and ``workers`` single-threaded workers, separate processes on 127.0.0.1, torn down
    after; yields the scheduler's address. The scheduler also writes ``directory/scheduler.json`` (what
    dask-mpi and dask-jobqueue hand their clients)."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = directory / "dask-logs"
    logs.mkdir()
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, args: list[str]) -> None:
        with open(logs / f"{name}.log", "wb") as log:
            procs.append(
                subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT, cwd=directory)
            )

    try:
        start(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
                "--scheduler-file",
                str(directory / SCHEDULER_FILE),
            ],
        )
        for i in range(workers):
            start(
                f"worker-{i}",
                [
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--death-timeout",
                    "60",
                    "--name",
                    f"leverage-{i}",
                    "--local-directory",
                    str(directory / f"worker-{i}"),
                ],
            )
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=60)
            assert len(client.scheduler_info(n_workers=-1)["workers"]) == workers
        yield address
    finally:
        for proc in reversed(procs):  # workers first, then the scheduler
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run ``sim`` in process; return (exit status, stdout, stderr)."""
    from sim.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def exit_code(args: list[str]) -> int:
    """Run ``sim`` in process and return its exit status (output left to pytest's capture)."""
    from sim.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


CONDITIONING_OBSERVATIONS = """date,variable,value,sd,event,happened
2026-01-08,front,0.83,0.02,,
2026-03-05,,,,ended,false
"""


@pytest.fixture(scope="session")
def conditioned_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A prior run with trajectories and ``sim condition`` of it: no war ended by 5 March 2026 (drops the
    early settlements) and the front near 83% in early January (uneven weights)."""
    import sim

    base = tmp_path_factory.mktemp("conditioned")
    sc = sim.load_scenario(
        SCENARIOS / "baseline.yaml", ["replicates=600", "horizon_weeks=30", "trajectories=[india_share,front]"]
    )
    prior = sim.write_results(sim.run(sc), base / "prior")
    obs = base / "observations.csv"
    obs.write_text(CONDITIONING_OBSERVATIONS, encoding="utf-8")
    # 3 only under --min-ess; the directory is written either way
    assert exit_code(["condition", str(prior), str(obs), "--out", str(base / "posterior")]) in (0, 3)
    return {"prior": prior, "posterior": base / "posterior"}


# Headless Chromium as the browser tests start it (the report's and the explorer's): Debian's package, no
# sandbox as root, and none of the background connections this machine's closed network would refuse.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
