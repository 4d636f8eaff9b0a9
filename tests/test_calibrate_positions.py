"""scripts/calibrate_positions.py: the solver for commitment_k's range finds the k whose median reservation of
Ukraine is at the line, on synthetic inputs whose answer is known in closed form (docs/calibration.md §4.1)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import calibrate_positions as cp  # noqa: E402

from sim.processes import bargaining as bg  # noqa: E402


def inputs(v_ua: np.ndarray, k: np.ndarray, f: float = 0.83, g: float = 0.25, loss: float = 1.25) -> dict:
    n = v_ua.size
    full = np.full
    return {"f": full(n, f), "v_ua": v_ua, "g": full(n, g), "l_ua": full(n, loss), "k": k, "v_ru": full(n, f + 0.05),
            "r": full(n, 0.01), "l_ru": full(n, 1.25), "h": full(n, 0.15)}  # fmt: skip


def test_solver_with_equal_war_values_scales_k_to_the_median_draw() -> None:
    # Every replicate has (1 − f) − V_ua = A, so hi − f has the sign of A − s·k_i·(1 − g): the median is 0 where
    # s·median(k)·(1 − g) = A. k_i spread as U(0.02, 0.08) on an odd grid: median(k) = 0.05.
    f, g, a = 0.83, 0.25, 0.03
    k = np.linspace(0.02, 0.08, 201)
    d = inputs(np.full(k.size, (1 - f) - a), k, f, g)
    s = cp.solve_scale(d)
    assert s == pytest.approx(a / (0.05 * (1 - g)), rel=1e-8)  # 0.8: the range U(0.016, 0.064)
    assert np.median(cp.ua_gap(d, s)) == pytest.approx(0.0, abs=1e-9)


def test_solver_with_spread_war_values_and_one_k_finds_the_median_war_value() -> None:
    # One k for all: hi − f has the sign of a_i − s·k·(1 − g), so the median is 0 at s = median(a)/(k·(1 − g)).
    f, g, k0 = 0.8, 0.5, 0.04
    a = np.random.default_rng(3).uniform(-0.02, 0.05, 1001)
    d = inputs((1 - f) - a, np.full(a.size, k0), f, g)
    s = cp.solve_scale(d)
    assert s == pytest.approx(np.median(a) / (k0 * (1 - g)), rel=1e-7)
    # and the gap it reports is the model's own reservation
    hi = bg.reservation_ua(d["v_ua"], g, f, d["l_ua"], s * d["k"])
    assert np.allclose(cp.ua_gap(d, s), hi - f)
    # below the solution more than half are beyond the line, above it fewer than half
    assert np.mean(cp.ua_gap(d, 0.99 * s) >= 0) > 0.5 > np.mean(cp.ua_gap(d, 1.01 * s) > 0)


def test_solver_refuses_a_median_that_never_crosses_the_line() -> None:
    k = np.linspace(0.02, 0.08, 11)
    d = inputs(np.full(k.size, 0.5), k)  # V_ua far above 1 − f: short of the line even at k = 0
    with pytest.raises(SystemExit, match="does not cross 0"):
        cp.solve_scale(d)
