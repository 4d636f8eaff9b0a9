"""Issue 16: a run stopped by SIGTERM or SIGINT removes its temporary directory ``.<out>.tmp-PID``; those of
dead processes are swept at the next run; a finished results directory is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.files import atomic_dir, sweep_stale
from tests.conftest import ROOT, SCENARIOS


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_dead_writers_are_swept(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # a finished results directory
    dead, live = _dead_pid(), os.getppid()
    stale = tmp_path / f".run.tmp-{dead}"
    busy = tmp_path / f".run.tmp-{live}"
    old = tmp_path / f".run.old-{dead}"  # a finished directory caught in the middle of its replacement
    other = tmp_path / f".other.tmp-{dead}"  # another results directory's: not ours to judge here
    for d in (stale, busy, old, other):
        d.mkdir()
    assert sweep_stale(out) == [stale]
    assert not stale.exists() and busy.exists() and old.exists() and other.exists()
    assert (out / "summary.json").exists()


def test_atomic_dir_sweeps_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stale = tmp_path / f".run.tmp-{_dead_pid()}"
    stale.mkdir()
    with atomic_dir(out, force=False) as tmp:
        (tmp / "x").write_text("1")
    assert not stale.exists() and (out / "x").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")]
)
def test_a_signalled_run_leaves_nothing_behind(tmp_path: Path, sig: int, code: int, word: str) -> None:
    out = tmp_path / "out"
    previous = tmp_path / "previous"  # a finished results directory next to it stays as it is
    previous.mkdir()
    (previous / "summary.json").write_text("{}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(SCENARIOS / "baseline.yaml"), "-n", "400000", "--workers", "1"]
        + ["--out", str(out), "-q", "--no-charts"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tmp = tmp_path / f".out.tmp-{proc.pid}"
    deadline = time.monotonic() + 120
    while not tmp.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tmp.exists(), "the run never started writing"
    time.sleep(0.5)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == f"{word}: nothing was written"
    assert "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["previous"]
    assert (previous / "summary.json").read_text() == "{}"
