"""Environment faults are one line naming the path and the cause, not a traceback (issue 19): exit 2 for a path
the user chose that cannot be written (read-only), 4 for the environment (a full disk), and nothing left
behind: no temporary directory, no directory made for --out, no ``.tmp`` part of a sweep.

A full disk and a read-only file system are small tmpfs mounts made by the test; that needs root (or
CAP_SYS_ADMIN), and the tests are skipped, saying so, where the mount is refused."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS


def _mount(path: Path, options: str) -> Path:
    path.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs to make a full or read-only disk ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to make a full or read-only disk (needs root): {done.stderr.strip()}")
    return path


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 300 KiB file system: a run's charts or a sweep's parts fill it."""
    path = _mount(tmp_path / "small", "size=300k,mode=0755")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    path = _mount(tmp_path / "ro", "size=64k,ro")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


RUN = ["run", str(SCENARIOS / "baseline.yaml"), "-n", "300", "--horizon", "30", "--workers", "1", "-q"]


def test_full_disk_run_is_one_line_exit_4_and_leaves_nothing(small_disk: Path, run_cli) -> None:
    out = small_disk / "a" / "b" / "run"
    code, _out, err = run_cli(*RUN, "--out", str(out))
    assert code == 4, err
    line = err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in err
    assert line.startswith("error: ") and "No space left on device" in line
    assert str(small_disk) in line  # names the path
    assert list(small_disk.iterdir()) == []  # no temporary directory, no a/b made for --out


def test_full_disk_sweep_leaves_no_tmp_part(small_disk: Path, tmp_path: Path, run_cli) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"name: full\nbase: {SCENARIOS / 'baseline.yaml'}\nset: {{chunk_size: 100, horizon_weeks: 30}}\n"
        "sampler: grid\nparameters:\n  params.costs.scale: {low: 0.6, high: 1.4, num: 200}\n"
        "replicates: 200\nmetrics: [p_settlement]\n",
        encoding="utf-8",
    )
    out = small_disk / "sweep"
    code, _out, err = run_cli("sweep", str(sweep), "--workers", "1", "-q", "--out", str(out))
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and "No space left on device" in err
    assert [p for p in small_disk.rglob("*") if ".tmp-" in p.name] == []
    assert len(list((out / "parts").glob("point-*.parquet"))) > 0  # finished parts are kept for --resume


def test_read_only_out_is_one_line_exit_2(read_only_disk: Path, run_cli) -> None:
    out = read_only_disk / "run"
    code, _out, err = run_cli(*RUN, "--out", str(out))
    assert code == 2, err
    assert err.strip() == (
        f"error: {read_only_disk / '.run.tmp-'}{os.getpid()}: Read-only file system (choose another path; nothing "
        "was left half-written)"
    )
    assert list(read_only_disk.iterdir()) == []


def test_describe_os_error_classifies_by_errno() -> None:
    import errno

    from sim.errors import EXIT_ENVIRONMENT, EXIT_USER, describe_os_error

    assert describe_os_error(OSError(errno.ENOSPC, "No space left on device", "/x/y")) == (
        EXIT_ENVIRONMENT,
        "/x/y: No space left on device (the system, not the input: free space or resources and rerun)",
    )
    assert describe_os_error(OSError(errno.EROFS, "Read-only file system", "/x"))[0] == EXIT_USER
    assert describe_os_error(OSError(errno.ENAMETOOLONG, "File name too long", "/x"))[0] == EXIT_USER
    # pyarrow puts the errno in its message, not in the exception
    code, line = describe_os_error(OSError("Failed to open local file '/d/p.parquet'. Detail: [errno 28] x"))
    assert code == EXIT_ENVIRONMENT and line.startswith("/d/p.parquet: No space left on device")
