"""Sensitivity analysis of a Sobol or Morris sweep: SALib's indices of every metric, computed on the
design's unit coordinates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from sim.sweep.spec import Sweep


def sensitivity(sweep: Sweep, points: pa.Table) -> dict[str, Any]:
    """Sobol first-order and total indices (Saltelli 2010 estimators, bootstrap 95% intervals) or Morris mu*,
    mu and sigma (Campolongo et al. 2007), per metric, computed by SALib on the design's unit coordinates.
    ``*_conf`` values are half-widths of the 95% intervals."""
    spec = sweep.spec
    names = list(sweep.design.names)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = sweep.design.unit
    assert unit is not None  # sobol and morris designs carry their unit coordinates
    # SALib's Sobol bootstrap falls back to the global numpy generator when seed is 0: keep it non-zero.
    seed = sweep.seed % (2**31 - 1) + 1
    out: dict[str, Any] = {
        "method": spec.sampler,
        "parameters": names,
        "samples": spec.samples,
        "points": len(sweep.design),
        "conf_level": 0.95,
        "resamples": spec.resamples,
        "seed": seed,
        "indices": {},
        "skipped": {},
    }
    if spec.sampler == "sobol":
        out["second_order"] = bool(spec.second_order)
    else:
        out["levels"] = spec.levels or 4
    for m in sweep.metrics:
        y = points.column(m.name).to_numpy(zero_copy_only=False).astype(float)
        bad = int((~np.isfinite(y)).sum())
        if bad:
            out["skipped"][m.name] = f"undefined at {bad} of {len(y)} points (no replicate to measure)"
            continue
        if float(np.ptp(y)) == 0.0:
            out["skipped"][m.name] = "constant across the design"
            continue
        if spec.sampler == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem,
                y,
                calc_second_order=bool(spec.second_order),
                num_resamples=spec.resamples,
                conf_level=0.95,
                seed=seed,
            )
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            res = morris.analyze(
                problem, unit, y, num_resamples=spec.resamples, conf_level=0.95, num_levels=spec.levels or 4, seed=seed
            )
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        block: dict[str, Any] = {
            k: {n: float(v) for n, v in zip(names, np.asarray(res[k], dtype=float), strict=True)} for k in keys
        }
        if spec.sampler == "sobol" and spec.second_order:
            for k in ("S2", "S2_conf"):
                s2 = np.asarray(res[k], dtype=float)
                block[k] = {a: {b: float(s2[i, j]) for j, b in enumerate(names) if j > i} for i, a in enumerate(names)}
        out["indices"][m.name] = block
    return out
