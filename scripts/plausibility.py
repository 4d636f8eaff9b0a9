"""Measure the plausibility table of docs/calibration.md (issue 12): baseline against winter_energy_war, paired
(same seed, common random numbers), the front's 52-week change among replicates still at war, and the weekly
bands of India's share, the discount and Brent; every other scenario named is paired with the baseline (the
share of replicates that gain and lose a settlement), and ``realised_2025-26`` prints the window's figures
(discount, India's share, Russia's revenue and fund) beside what was observed.

    .venv/bin/python scripts/plausibility.py [--replicates 20000] [scenario ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.model import ONGOING, OUTCOMES, PressureModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("baseline", "winter_energy_war", "us_steps_back", "max_pressure", "india_stops", "tomahawks_approved")
KEEP = ("front", "india_share", "discount", "discount_share", "brent", "buffer_ru", "strain_ru", "revenue_ru")
SETTLEMENT = OUTCOMES.index("settlement")


def measure(name: str, n: int, base: np.ndarray | None = None) -> tuple[dict[str, object], np.ndarray]:
    sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml", [])
    model = PressureModel(sc, n, 0, keep=KEEP)
    area = float(np.mean(np.asarray(sc.params.front.area_km2)))
    model.run()
    traj = model.trajectories
    out: dict[str, object] = {"scenario": name}
    for k, o in enumerate(OUTCOMES):
        out[o] = float(np.mean(model.outcome == k))
    alive52 = (model.end_week > 52) | (model.outcome == ONGOING)
    change = (traj["front"][52] - traj["front"][0])[alive52] * area
    out["front52_sd_km2"] = float(change.std())
    out["front52_median_km2"] = float(np.median(change))
    out["front52_q05_q95_km2"] = (float(np.quantile(change, 0.05)), float(np.quantile(change, 0.95)))
    for var, week in (("india_share", 13), ("discount", 13), ("brent", 13), ("brent", 52), ("buffer_ru", 52)):
        v = traj[var][week][model.end_week >= week]
        out[f"{var}@{week} q05/q50/q95"] = tuple(round(float(x), 3) for x in np.quantile(v, [0.05, 0.5, 0.95]))
    out["strain>0 by 104"] = float(np.mean(traj["strain_ru"].max(axis=0) > 0))
    out["brent>100 within 26w"] = float(np.mean(traj["brent"][:27].max(axis=0) > 100))
    settled = model.outcome == SETTLEMENT
    if base is not None:
        out["paired gain/lose"] = (float(np.mean(settled & ~base)), float(np.mean(base & ~settled)))
    if name.startswith("realised"):
        q = (0.05, 0.5, 0.95)
        for var, week in (("discount_share", 4), ("discount_share", 13), ("discount", 13), ("india_share", 9)):
            out[f"{var}@{week} q05/q50/q95"] = tuple(round(float(x), 3) for x in np.quantile(traj[var][week], q))
        out["india_share@13 q05/q50/q95"] = tuple(round(float(x), 3) for x in np.quantile(traj["india_share"][13], q))
        out["revenue@13 / revenue@1, median"] = float(np.median(traj["revenue_ru"][13] / traj["revenue_ru"][1]))
        out["fund drawn by week 17, median $bn"] = float(np.median(traj["buffer_ru"][0] - traj["buffer_ru"][17]))
        out["strain>0 by week 17"] = float(np.mean(traj["strain_ru"][:18].max(axis=0) > 0))
    return out, settled


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=20_000)
    ap.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = ap.parse_args()
    base: np.ndarray | None = None
    for name in args.scenarios:
        r, settled = measure(name, args.replicates, base)
        if name == "baseline":
            base = settled
        print(" ".join(f"{k}={v if not isinstance(v, float) else round(v, 4)}" for k, v in r.items()), flush=True)


if __name__ == "__main__":
    main()
