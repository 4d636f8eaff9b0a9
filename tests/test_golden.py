"""Seeded short runs of every shipped scenario reproduce their golden summaries (tests/golden_data/).
A deliberate change to the model regenerates them with `make baseline`."""

from __future__ import annotations

import json

import pytest

from tests.golden import CASES, DATA, compute


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_matches_golden(name: str) -> None:
    golden = json.loads((DATA / f"{name}.json").read_text())
    _close(json.loads(json.dumps(compute(name))), golden, name)
