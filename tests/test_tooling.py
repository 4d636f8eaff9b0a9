"""The developer's tooling (issue 10 §5): every make target is listed by `make help`, and the slow tests are the
ones `make test-fast` leaves out."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, flags=re.M)) - {"help"}
    listed = set(re.findall(r'^\t@echo "make ([a-z][a-z0-9-]*) ', makefile, flags=re.M))
    assert targets == listed, (
        f"targets without help: {sorted(targets - listed)}; help without target: {sorted(listed - targets)}"
    )
    phony = set(re.search(r"^\.PHONY: (.*)$", makefile, flags=re.M).group(1).split())  # type: ignore[union-attr]
    assert targets <= phony


def test_the_slow_marker_is_declared_and_test_fast_deselects_it() -> None:
    out = subprocess.run(["make", "-n", "test-fast"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert '-m "not slow"' in out
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^markers = \[\s*"slow: ', pyproject, flags=re.M)
