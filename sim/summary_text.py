"""The terminal summary of a run (``sim run``): a header naming the scenario (and, for a variant, its parent
and overrides), each outcome's probability with its Monte Carlo interval and beside it the range across the
sampled parameters that decide it, then the settlement's timing and terms. Standard library only."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _short(path: str) -> str:
    return path.removeprefix("params.")


def _pct(v: float) -> str:
    return f"{v:.0%}" if v >= 0.095 else f"{v:.1%}"


def format_summary(summary: dict[str, Any], sc: Any, out_dir: Path | None = None) -> str:
    lines = [
        f"Leverage · {sc.name} · {summary['replicates']:,} replicates × {summary['horizon_weeks']} weeks "
        f"from {summary['start_date']} · seed {sc.seed}",
    ]
    if getattr(sc, "derived_from", ""):
        lines.append(f"variant of {sc.derived_from}; overrides: {', '.join(sc.overrides)}")
    unc = (summary.get("model_uncertainty") or {}).get("outcomes", {})
    lines += ["", f"{'outcome':<20}{'probability':>12}   {'95% interval':<17}" + ("across parameters" if unc else "")]
    for name, o in summary["outcomes"].items():
        line = f"{name:<20}{o['p']:>11.1%}   {f'[{o["lo"]:.1%}, {o["hi"]:.1%}]':<17}"
        u = unc.get(name)
        if u and u["drivers"]:
            line += f"{_pct(u['p10'])} to {_pct(u['p90'])}"
        elif u:
            line += "no sampled parameter stands out"
        lines.append(line.rstrip())
    if unc:
        lines.append("  95% interval: Monte Carlo error only (more replicates narrow it).")
        lines.append("  across parameters: 10th-90th percentile of the probability over the sampled parameters that")
        lines.append("  decide it, the model's own uncertainty (more replicates do not narrow it):")
        for name, u in unc.items():
            if u["drivers"] and summary["outcomes"].get(name, {}).get("p", 0) > 0:
                named = ", ".join(f"{_short(d['parameter'])} ({d['share']:.0%})" for d in u["drivers"])
                lines.append(f"    {name}: {named} of its variance")
    sw, st = summary["settlement_week"], summary["settlement_terms"]
    lines.append("")
    if sw["median"] is not None:
        d = summary["settlement_date"]
        lines.append(
            f"settlement week:  median {sw['median']:g} ({d['median']}), quartiles {sw['q25']:g}-"
            f"{sw['q75']:g} ({d['q25']} to {d['q75']})"
        )
        lines.append(
            f"settlement terms: Russia keeps a median {st['median']:.3f} of the disputed territory, "
            f"quartiles {st['q25']:.3f}-{st['q75']:.3f}"
        )
    else:
        lines.append("settlement: none in any replicate")
    by = ", ".join(f"week {w}: {v['p']:.1%}" for w, v in summary["settlement_by_week"].items())
    lines.append(f"settled by {by}")
    if summary.get("co_triggered"):
        lines.append(f"co-triggered outcomes (counted under the first by precedence): {summary['co_triggered']}")
    if out_dir is not None:
        lines.append(f"results: {out_dir}/")
    return "\n".join(lines)
