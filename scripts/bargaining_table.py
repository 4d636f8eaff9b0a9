"""Measure the tables of docs/calibration.md §14, §15 and §17 and of docs/scenarios.md: every shipped scenario,
the what-ifs of issue 11 and the sensitivity runs, each paired with the baseline (same seed, common random
numbers, so a replicate's outcome can be compared across runs), and the reservations of both sides at chosen
weeks of the baseline (§14).

    .venv/bin/python scripts/bargaining_table.py [--replicates 20000] [--out /tmp/bargaining_table] [--only NAME ...]

Each run is ``sim run scenarios/<scenario>.yaml -n N --seed 20251016 --set chunk_size=10000 --out DIR --force -q
--no-charts`` with the overrides listed in RUNS; the figures are read from ``outcomes.parquet``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from talks_spy import spy_talks

ROOT = Path(__file__).resolve().parent.parent
SEED = 20251016
AREA = 136_000.0

SANCTIONS = ["events.oil_sanctions.week=1", "events.oil_sanctions.kind=sanctions", "events.oil_sanctions.value=0.8"]
# (key, label, scenario, overrides)
RUNS: list[tuple[str, str, str, list[str]]] = [
    ("baseline", "baseline", "baseline", []),
    ("india_stops", "india_stops", "india_stops", []),
    ("max_pressure", "max_pressure", "max_pressure", []),
    ("tomahawks_approved", "tomahawks_approved", "tomahawks_approved", []),
    ("us_steps_back", "us_steps_back", "us_steps_back", []),
    ("winter_energy_war", "winter_energy_war", "winter_energy_war", []),
    ("europe_steps_up", "europe_steps_up", "europe_steps_up", []),
    (
        "g08",
        "strong US backstop (`agents.us.levers.guarantees=0.8`; with the coalition's 0.25, g = 0.85)",
        "baseline",
        ["agents.us.levers.guarantees=0.8"],
    ),
    (
        "geu08",
        "strong coalition guarantee, no US backstop (`agents.europe.levers.guarantees=0.8`)",
        "baseline",
        ["agents.europe.levers.guarantees=0.8"],
    ),
    ("g0", "no guarantees (`agents.europe.levers.guarantees=0`)", "baseline", ["agents.europe.levers.guarantees=0"]),
    (
        "donetsk",
        "Russia demands all of Donetsk (`agents.russia.levers.demand=0.877`)",
        "baseline",
        ["agents.russia.levers.demand=0.877"],
    ),
    (
        "holds",
        "Ukraine cedes nothing beyond the line (`params.negotiation.ukraine_holds_line=1`)",
        "baseline",
        ["params.negotiation.ukraine_holds_line=1"],
    ),
    ("relief0", "no relief (`agents.us.levers.relief=0`)", "baseline", ["agents.us.levers.relief=0"]),
    ("prop2", "Russia proposes (`params.negotiation.proposer=2`)", "baseline", ["params.negotiation.proposer=2"]),
    ("prop3", "Ukraine proposes (`params.negotiation.proposer=3`)", "baseline", ["params.negotiation.proposer=3"]),
    (
        "prop0",
        "complete information, Nash split (`params.negotiation.proposer=0`)",
        "baseline",
        ["params.negotiation.proposer=0"],
    ),
    # §14: sensitivity and channels
    ("scale05", "`params.costs.scale=0.5`", "baseline", ["params.costs.scale=0.5"]),
    ("scale15", "`params.costs.scale=1.5`", "baseline", ["params.costs.scale=1.5"]),
    # the ends of commitment_k's range U(0.007, 0.028) (docs/calibration.md §4.1, scripts/calibrate_positions.py)
    ("k_low", "`params.negotiation.commitment_k=0.007`", "baseline", ["params.negotiation.commitment_k=0.007"]),
    ("k_high", "`params.negotiation.commitment_k=0.028`", "baseline", ["params.negotiation.commitment_k=0.028"]),
    ("L18", "`params.negotiation.horizon=18`", "baseline", ["params.negotiation.horizon=18"]),
    ("L34", "`params.negotiation.horizon=34`", "baseline", ["params.negotiation.horizon=34"]),
    (
        "loss0",
        "no possession value (`loss_aversion_ru=0`, `loss_aversion_ua=0`)",
        "baseline",
        ["params.negotiation.loss_aversion_ru=0", "params.negotiation.loss_aversion_ua=0"],
    ),  # fmt: skip
    (
        "types1",
        "known types (`private_type_ru=1`, `private_type_ua=1`)",
        "baseline",
        ["params.negotiation.private_type_ru=1", "params.negotiation.private_type_ua=1"],
    ),  # fmt: skip
    ("fuel0", "`params.costs.fuel=0`", "baseline", ["params.costs.fuel=0"]),
    ("fiscal0", "`params.costs.fiscal=0`", "baseline", ["params.costs.fiscal=0"]),
    (
        "both0",
        "`params.costs.fuel=0` and `params.costs.fiscal=0`",
        "baseline",
        ["params.costs.fuel=0", "params.costs.fiscal=0"],
    ),  # fmt: skip
    ("sanctions", "sanctions enforcement 0.8 from week 1", "baseline", SANCTIONS),
    (
        "priors",
        "prior means equal (0.54 both)",
        "baseline",
        ["params.beliefs.prior_mean_ru=0.54", "params.beliefs.prior_mean_ua=0.54"],
    ),  # fmt: skip
    ("p051", "`params.front.p0=0.51`", "baseline", ["params.front.p0=0.51"]),
    ("p057", "`params.front.p0=0.57`", "baseline", ["params.front.p0=0.57"]),
    ("tau0", "`params.negotiation.tau=0`", "baseline", ["params.negotiation.tau=0"]),
    (
        "airdef",
        "more air defence (`us.air_defence` 0.05 from week 4)",
        "baseline",
        ["events.air_defence={week: 4, kind: lever, agent: us, lever: air_defence, value: 0.05}"],
    ),  # fmt: skip
    (
        "stress",
        "extreme fiscal stress (oil $35, designations 0.45, India out, fund 5, other revenue 6.5)",
        "baseline",
        [
            "initial.brent=35",
            "params.oil.brent_mean=35",
            "agents.us.levers.designations=0.45",
            "agents.india.levers.purchase_cap=0",
            "initial.buffer_ru=5",
            "params.fiscal.other_revenue=6.5",
        ],
    ),  # fmt: skip
    (
        "assets1",
        "the reparations loan for sure (`events.frozen_assets_decision.probability=1`)",
        "baseline",
        ["events.frozen_assets_decision.probability=1"],
    ),  # fmt: skip
]


def run(key: str, scenario: str, sets: list[str], n: int, out: Path) -> pd.DataFrame:
    d = out / key
    if not (d / "outcomes.parquet").exists():
        cmd = [str(ROOT / ".venv/bin/sim"), "run", str(ROOT / "scenarios" / f"{scenario}.yaml"), "-n", str(n)]
        cmd += ["--seed", str(SEED), "--set", "chunk_size=10000", "--out", str(d), "--force", "-q", "--no-charts"]
        for s in sets:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True)
    cols = ["replicate", "outcome", "week", "terms", "end.front"]
    return pd.read_parquet(d / "outcomes.parquet", columns=cols).set_index("replicate").sort_index()


def row(df: pd.DataFrame, base: pd.DataFrame) -> dict[str, Any]:
    s, sb = (df.outcome == "settlement").to_numpy(), (base.outcome == "settlement").to_numpy()
    st = df[s]
    gap = (st.terms - st["end.front"]).to_numpy() * AREA
    q = np.quantile(gap, [0.1, 0.5, 0.9]) if len(gap) else [np.nan] * 3
    return {
        "settlement": s.mean(),
        "delta": 100 * (s.mean() - sb.mean()),
        "gain": (s & ~sb).mean(),
        "lose": (~s & sb).mean(),
        "by52": (s & (df.week <= 52).to_numpy()).mean(),
        "week": float(np.median(st.week)) if len(st) else np.nan,
        "ongoing": (df.outcome == "ongoing").mean(),
        "ua_collapse": (df.outcome == "ukraine_collapse").mean(),
        "ru_collapse": (df.outcome == "russia_collapse").mean(),
        "escalation": (df.outcome == "escalation").mean(),
        "terms": float(np.median(st.terms)) if len(st) else np.nan,
        "below": (gap < -1e-9).mean() if len(gap) else np.nan,
        "gap": q,
    }


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def reservations(n: int, weeks: tuple[int, ...]) -> None:
    """§14: medians over the active replicates of the baseline, at the weeks given, of each side's expected cost
    with its private type, the optimism gap and both reservations with the mediator's full package."""
    from sim.processes import bargaining as b

    def read(m: Any, w: Any) -> dict[str, np.ndarray]:
        g, ru, ua = m.p.negotiation, m.russia, m.ukraine
        cr, cu = ru.cost_type * ru.war_cost(m, w), ua.cost_type * ua.war_cost(m, w)
        v_ru, v_ua = ru.gross_war_value(m, w) - cr, ua.gross_war_value(m, w) - cu
        g_on = b.guarantees_on_offer(w)
        r_on = w.lever("us", "relief") * np.broadcast_to(np.asarray(g.relief_worth, float), (m.n,))
        ranges = [
            (
                b.reservation_ru(v_ru, gg, rr, w.front, g.loss_aversion_ru, g.guarantee_cost_ru),
                b.reservation_ua(v_ua, gg, w.front, g.loss_aversion_ua, g.commitment_k),
            )
            for gg, rr in ((g_on, r_on), (0.0 * g_on, r_on))
        ]
        (lo, hi), (lo0, hi0) = ranges
        opt = ru.expected_front(m, w) - ua.expected_front(m, w)
        return {"cr": cr, "cu": cu, "opt": opt * AREA, "lo": (lo - w.front) * AREA, "hi": (hi - w.front) * AREA,
                "lo0": (lo0 - w.front) * AREA, "hi0": (hi0 - w.front) * AREA, "open": (hi >= lo) | (hi0 >= lo0),
                "line": (hi >= np.maximum(lo, w.front)) | (hi0 >= np.maximum(lo0, w.front))}  # fmt: skip

    rows = spy_talks(ROOT / "scenarios" / "baseline.yaml", n, weeks, read)
    print("\n| week | θ_ru·C_ru | θ_ua·C_ua | optimism E_ru[f] − E_ua[f] | lo − f, full package | hi − f, full "
          "package | lo − f, relief only | hi − f, relief only | range non-empty | non-empty at or beyond the line "
          "| active |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for t in weeks:
        d = rows[t]
        print(
            f"| {t} | {np.median(d['cr']):.3f} | {np.median(d['cu']):.3f} | {np.median(d['opt']):+,.0f} km² | "
            f"{np.median(d['lo']):+,.0f} km² | {np.median(d['hi']):+,.0f} km² | {np.median(d['lo0']):+,.0f} km² | "
            f"{np.median(d['hi0']):+,.0f} km² | {pct(d['open'].mean())} | "
            f"{pct(d['line'].mean())} | {len(d['cr']):,} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bargaining_table"))
    ap.add_argument("--only", nargs="*", help="keys of RUNS to measure (default: all); the baseline always runs")
    ap.add_argument("--no-reservations", action="store_true", help="skip the in-process §14 reservation table")
    args = ap.parse_args()
    n, out = args.replicates, args.out
    out.mkdir(parents=True, exist_ok=True)
    base = run("baseline", "baseline", [], n, out)
    results: dict[str, dict[str, Any]] = {}
    for key, label, scenario, sets in RUNS:
        if args.only and key not in args.only and key != "baseline":
            continue
        df = run(key, scenario, sets, n, out)
        results[key] = row(df, base) | {"label": label}
        print(f"measured {key}", file=sys.stderr, flush=True)
    print(
        "| scenario or what-if | settlement | vs baseline (points) | paired: gain / lose | by week 52 | median week "
        "| Ukraine's collapse | escalation | median terms | below the line | terms − line, km² (10/50/90%) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results.values():
        vs = "" if r["label"] == "baseline" else f"{r['delta']:+.1f}"
        pair = "—" if r["label"] == "baseline" else f"+{pct(r['gain'])[:-1]} / −{pct(r['lose'])[:-1]}"
        print(
            f"| {r['label']} | **{pct(r['settlement'])}** | {vs} | {pair} | {pct(r['by52'])} | {r['week']:.0f} | "
            f"{pct(r['ua_collapse'])} | {pct(r['escalation'])} | {r['terms']:.3f} ({r['terms'] * AREA:,.0f} km²) | "
            f"{pct(r['below'])} | " + " / ".join(f"{0.0 if abs(v) < 0.5 else v:+,.0f}" for v in r["gap"]) + " |"
        )
    print("\n| scenario | settlement | ongoing | Ukraine collapse | Russia collapse | escalation | median week of deal "
          "| median terms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for key in (
        "baseline",
        "india_stops",
        "max_pressure",
        "tomahawks_approved",
        "us_steps_back",
        "winter_energy_war",
        "europe_steps_up",
    ):
        if key in results:
            r = results[key]
            print(
                f"| `{key}` | {pct(r['settlement'])} | {pct(r['ongoing'])} | {pct(r['ua_collapse'])} | "
                f"{pct(r['ru_collapse'])} | {pct(r['escalation'])} | {r['week']:.0f} | {r['terms']:.3f} |"
            )
    # §15: the baseline's timing and terms; §14: settlement across the fifths of each sampled coefficient.
    full = pd.read_parquet(out / "baseline" / "outcomes.parquet")
    s = full.outcome == "settlement"
    st = full[s]
    print(f"\nbaseline: settlement week quartiles {np.quantile(st.week, [0.25, 0.5, 0.75])}, by week 26 "
          f"{pct((s & (full.week <= 26)).mean())}, by 52 {pct((s & (full.week <= 52)).mean())}; terms quartiles "
          f"{np.quantile(st.terms, [0.25, 0.5, 0.75]).round(3)}")  # fmt: skip
    ended = full.outcome != "ongoing"
    print(
        "of the replicates that end: "
        + ", ".join(f"{o} {pct((full.outcome[ended] == o).mean())}" for o in sorted(set(full.outcome[ended])))
    )
    print("\nsettlement by fifth of each sampled coefficient (lowest fifth -> highest fifth):")
    for col in full.columns:
        if not (col.startswith("params.") or col.startswith("initial.")):
            continue
        v = full[col].to_numpy(dtype=float)
        if np.ptp(v) == 0:
            continue
        q = np.quantile(v, [0.2, 0.8])
        lo_rate, hi_rate = s[v <= q[0]].mean(), s[v >= q[1]].mean()
        print(f"  {col}: {pct(lo_rate)} -> {pct(hi_rate)} ({100 * (hi_rate - lo_rate):+.1f})")
    if not args.no_reservations:
        reservations(n, (1, 13, 26, 52, 104))


if __name__ == "__main__":
    main()
