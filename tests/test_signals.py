"""Killing `sim run` or `sim sweep` on two workers leaves no process behind (issue 19): SIGKILL gives the command
no chance to clean up, so the forkserver (``sim.lifeline``) and the workers (``sim.pool.watch_parent``) must
notice on their own; SIGTERM is handled like Ctrl-C (one line, exit 143, the temporary directory removed)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process lifecycle checks use Linux")

SWEEP = f"""
name: signals
base: {SCENARIOS / "baseline.yaml"}
set: {{chunk_size: 200}}
sampler: grid
parameters:
  params.costs.scale: {{low: 0.6, high: 1.4, num: 40}}
replicates: 2000
metrics: [p_settlement]
"""


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[psutil.Process]]:
    """Start ``sim`` and wait until its pool is up and busy: the forkserver, the resource tracker and two
    workers. Output goes to files: an orphan holding a pipe would hang the test instead of failing it."""
    with (tmp_path / "stdout").open("wb") as stdout, (tmp_path / "stderr").open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args], stdout=stdout, stderr=stderr, cwd=ROOT)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        kids = parent.children(recursive=True)
        if len(kids) >= 4:
            break
        assert proc.poll() is None, (tmp_path / "stderr").read_text()
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the pool did not start within 90 s")
    time.sleep(1.0)  # workers busy with tasks
    return proc, parent.children(recursive=True)


def _survivors(kids: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    deadline = time.monotonic() + seconds
    while True:
        alive = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_no_process_survives_a_killed_command(command: str, sig: signal.Signals, tmp_path: Path) -> None:
    out = tmp_path / "out"
    if command == "run":
        args = ["run", str(SCENARIOS / "baseline.yaml"), "-n", "400000", "--workers", "2", "-q", "--no-charts"]
    else:
        (tmp_path / "sweep.yaml").write_text(SWEEP, encoding="utf-8")
        args = ["sweep", str(tmp_path / "sweep.yaml"), "--workers", "2", "-q"]
    proc, kids = _start([*args, "--out", str(out)], tmp_path)
    assert len(kids) >= 4
    try:
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
        alive = _survivors(kids, 5.0)
        assert alive == [], [" ".join(k.cmdline())[:100] for k in alive]
    finally:
        for k in kids:
            if k.is_running():
                k.kill()
    err = (tmp_path / "stderr").read_text(encoding="utf-8").strip()
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    assert code == 143, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    if command == "run":
        assert err == "terminated: nothing was written"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr", "stdout"]  # no .out.tmp-* left
    else:
        assert err == f"terminated: finished parts are kept in {out}/parts; continue with --resume"
        assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
