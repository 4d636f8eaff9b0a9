"""Calibrate ``negotiation.commitment_k`` to Ukraine's opening position and report Russia's (docs/calibration.md §4.1).

    .venv/bin/python scripts/calibrate_positions.py [--replicates 20000] [--seed 20251016] [--weeks 1 2]

Runs the scenario (the baseline) to the last week asked for and reads, at the talks of those weeks, every active
replicate's inputs to ``bargaining.reservation_ua`` and ``reservation_ru`` with the mediator's full package: the
line f, each side's war value with its true private type, the guarantees and relief on offer, the loss aversions,
Russia's cost of guarantees and the replicate's draw of k.

Ukraine's reservation is a closed form in k given those inputs:

    hi − f = φ((1 − f) − V_ua − k·(1 − g)),   φ(z) = z for z ≤ 0,  z / (1 + ℓ_ua) for z > 0,

decreasing in k. The range keeps its shape U(0.4·c, 1.6·c) (the 1:4 ratio of 0.02–0.08 around 0.05), so a
replicate's k scales with the centre c (the draw is the inverse CDF of the same uniform variate: k(c) = k · c/c₀).
The script solves by bisection for the centre whose **median of hi − f over the pooled replicates is 0**:
Ukraine's reservation straddles the line, its public position (a ceasefire at the line) being an opening one.
The active set at week 2 is that of the run (a settlement at week 1 is rare); rerun after changing the range to
check.

Prints, at the range run and at the solved one: the quantiles 10/25/50/75/90% of hi − f and lo − f in km²
(area 136,000 km²), the share of Ukraine's reservations at or beyond the line, and the share of rounds whose range
is non-empty with the full package or with relief only (as ``bargaining_table.py``'s §14 table).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from talks_spy import spy_talks

ROOT = Path(__file__).resolve().parent.parent
AREA = 136_000.0
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
GAP = 0.17  # Russia's claim (all five regions, f = 1) less the line (about 0.83): the gap neither side concedes
RUSSIA_RECORD = 6_100.0  # km²: the rest of Donetsk above the line, Alaska 15 Aug 2025 (§4.1)


def read(m: Any, w: Any) -> dict[str, np.ndarray]:
    """The inputs of both reservations at this week's talks (full chunk shape)."""
    from sim.processes import bargaining as b

    g, ru, ua = m.p.negotiation, m.russia, m.ukraine
    n = m.n

    def full(v: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=float), (n,))

    return {
        "f": full(w.front),
        "v_ru": full(ru.gross_war_value(m, w) - ru.cost_type * ru.war_cost(m, w)),
        "v_ua": full(ua.gross_war_value(m, w) - ua.cost_type * ua.war_cost(m, w)),
        "g": full(b.guarantees_on_offer(w)),
        "r": full(w.lever("us", "relief") * np.asarray(g.relief_worth, float)),
        "l_ru": full(g.loss_aversion_ru),
        "l_ua": full(g.loss_aversion_ua),
        "h": full(g.guarantee_cost_ru),
        "k": full(g.commitment_k),
        # the revealed-preference bound on costs.scale (docs/calibration.md §5): weekly costs per unit of scale
        "c_ru": full(ru.weekly_cost(m, w, expected=True) / np.asarray(m.p.costs.scale, float)),
        "c_ua": full(ua.weekly_cost(m, w, expected=True) / np.asarray(m.p.costs.scale, float)),
        "res_ru": full(w.read("resolve_ru")),
        "res_ua": full(w.read("resolve_ua")),
    }


def ua_gap(d: dict[str, np.ndarray], scale: float = 1.0, g: np.ndarray | None = None) -> np.ndarray:
    """hi − f (shares) with every replicate's k multiplied by ``scale`` (guarantees ``g``, default those on offer)."""
    from sim.processes import bargaining as b

    gg = d["g"] if g is None else g
    return np.asarray(b.reservation_ua(d["v_ua"], gg, d["f"], d["l_ua"], scale * d["k"]) - d["f"])


def ru_gap(d: dict[str, np.ndarray], g: np.ndarray | None = None) -> np.ndarray:
    """lo − f (shares) with the relief on offer and guarantees ``g`` (default those on offer)."""
    from sim.processes import bargaining as b

    gg = d["g"] if g is None else g
    return np.asarray(b.reservation_ru(d["v_ru"], gg, d["r"], d["f"], d["l_ru"], d["h"]) - d["f"])


def solve_scale(d: dict[str, np.ndarray], lo: float = 0.0, hi: float = 20.0, tol: float = 1e-10) -> float:
    """The factor s on every replicate's k at which the median of hi − f is 0 (bisection: hi − f decreases in k,
    so its median decreases in s). Exit 2 (SystemExit) if the root is outside [lo, hi]."""

    def med(s: float) -> float:
        return float(np.median(ua_gap(d, s)))

    if med(lo) < 0 or med(hi) > 0:
        raise SystemExit(f"error: the median of hi − f does not cross 0 for k scaled by {lo}..{hi}")
    a, b = lo, hi
    while b - a > tol:
        mid = 0.5 * (a + b)
        if med(mid) > 0:
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def summary(d: dict[str, np.ndarray], scale: float) -> dict[str, Any]:
    """Quantiles (km²) of both sides' distance to the line, shares at or beyond it, shares of non-empty ranges."""
    hi, lo = ua_gap(d, scale), ru_gap(d)
    zero = np.zeros_like(d["g"])
    hi0, lo0 = ua_gap(d, scale, zero), ru_gap(d, zero)
    return {
        "ua": np.quantile(hi * AREA, QUANTILES),
        "ru": np.quantile(lo * AREA, QUANTILES),
        "ua_at_line": float(np.mean(hi >= 0)),
        "ru_above": float(np.mean(lo > 0)),
        "open": float(np.mean((hi >= lo) | (hi0 >= lo0))),
        "open_full": float(np.mean(hi >= lo)),
    }


def show(label: str, s: dict[str, Any]) -> None:
    def q(v: np.ndarray) -> str:
        return ", ".join(f"{x:+,.0f}" for x in v)

    print(f"\n{label}")
    print(f"  Ukraine hi − f, km² (10/25/50/75/90%): {q(s['ua'])}; at or beyond the line: {100 * s['ua_at_line']:.1f}%")
    print(f"  Russia  lo − f, km² (10/25/50/75/90%): {q(s['ru'])}; above the line: {100 * s['ru_above']:.1f}%")
    print(f"  range non-empty (full package or relief only): {100 * s['open']:.2f}% "
          f"(full package: {100 * s['open_full']:.2f}%)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=20_000, help="replicates of the scenario (default 20000)")
    ap.add_argument("--seed", type=int, default=20251016, help="seed (default 20251016, the baseline's)")
    ap.add_argument("--weeks", type=int, nargs="+", default=[1, 2], help="weeks whose talks are pooled (default 1 2)")
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    args = ap.parse_args(argv)
    if args.replicates < 1 or min(args.weeks) < 1:
        print("error: --replicates and --weeks must be positive", file=sys.stderr)
        raise SystemExit(2)
    if not args.scenario.exists():
        print(f"error: no scenario {args.scenario}", file=sys.stderr)
        raise SystemExit(2)
    from sim.scenario import load_scenario

    sc = load_scenario(args.scenario, [f"seed={args.seed}"])
    dist = sc.params.negotiation.commitment_k
    low, high = dist.support() if hasattr(dist, "support") else (float(dist), float(dist))
    rows = spy_talks(args.scenario, args.replicates, args.weeks, read, [f"seed={args.seed}"])
    d = {k: np.concatenate([rows[t][k] for t in rows]) for k in rows[min(rows)]}
    weeks = ", ".join(map(str, args.weeks))
    print(f"{args.scenario.name}, seed {args.seed}, {args.replicates:,} replicates; the talks of weeks {weeks}: "
          f"{len(d['f']):,} active replicate-weeks (area {AREA:,.0f} km²)")  # fmt: skip
    show(f"as run: commitment_k U({low:g}, {high:g})", summary(d, 1.0))
    s = solve_scale(d)
    c = s * 0.5 * (low + high)
    show(f"solved: commitment_k U({s * low:.4f}, {s * high:.4f}), centre {c:.4f} (k × {s:.4f}): the median of "
         f"hi − f is 0", summary(d, s))  # fmt: skip
    ru_med = float(np.median(ru_gap(d)) * AREA)
    print(f"\nRussia's median lo − f {ru_med:+,.0f} km² against the record's +{RUSSIA_RECORD:,.0f} km² "
          f"(the rest of Donetsk, Alaska 15 Aug 2025): off by {ru_med - RUSSIA_RECORD:+,.0f} km²")  # fmt: skip
    print("\nrevealed preference (§5): a side fights on only if its perceived cost of a year, 52·scale·c/resolve, is "
          f"below the gap {GAP}; so scale < {GAP}·resolve/(52·c)")  # fmt: skip
    for side in ("ru", "ua"):
        cost, res = d[f"c_{side}"], d[f"res_{side}"]
        year = 52 * cost / res
        bound = GAP / year
        print(f"  {side}: c per unit scale (expected over the horizon) mean {cost.mean():.3e}/week, median "
              f"{np.median(cost):.3e}; a year at scale 1: mean {year.mean():.4f}; bound on scale at the mean cost "
              f"{GAP * res.mean() / (52 * cost.mean()):.2f}, 10/50/90% of worlds "
              + "/".join(f"{v:.2f}" for v in np.quantile(bound, (0.1, 0.5, 0.9))))  # fmt: skip


if __name__ == "__main__":
    main()
