"""Observation files that are not regular files, or too large, are refused with one line and never read
whole (issue 18): a FIFO would block forever and /dev/zero never end."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.observe.observations import MAX_OBSERVATIONS_BYTES, read_observations

START = dt.date(2025, 10, 16)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "obs.csv"
    os.mkfifo(fifo)
    result: list[BaseException] = []
    t = threading.Thread(target=lambda: _catch(result, fifo), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert str(result[0]) == f"{fifo}: not a regular file (a FIFO, a device or a directory)"


def _catch(result: list[BaseException], path: Path) -> None:
    try:
        read_observations(path, START, 104)
    except ScenarioError as exc:
        result.append(exc)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_is_refused() -> None:
    with pytest.raises(ScenarioError, match="^/dev/zero: not a regular file"):
        read_observations("/dev/zero", START, 104)


def test_an_oversized_file_is_refused_after_reading_at_most_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    row = "2025-11-06,front,0.8,0.02,,\n"
    with big.open("w", encoding="utf-8") as f:
        f.write("date,variable,value,sd,event,happened\n")
        f.write(row * (MAX_OBSERVATIONS_BYTES // len(row) + 10))
    with pytest.raises(ScenarioError, match=f"observations file larger than {MAX_OBSERVATIONS_BYTES:,} bytes"):
        read_observations(big, START, 104)
