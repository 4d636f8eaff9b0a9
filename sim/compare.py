"""Comparing runs: each outcome's probability and its difference from the first run (the baseline).

Runs with the same seed, replicate count and chunk size were driven by common random numbers: replicate i of
each saw the same noise in every process (sim/seeds.py), so their differences are *paired* and the interval
of a difference uses the replicate-by-replicate 2x2 table (Newcombe 1998b, method 10: square-and-add of the
two Wilson intervals with the correlation of the paired indicators, phi, continuity-corrected as in Altman et
al. 2000, "Statistics with confidence", p. 52). Otherwise the runs are independent samples and the interval is
Newcombe's hybrid score interval (Newcombe 1998a, method 10: the same formula with phi = 0). Both intervals
are 95%, respect [-1, 1], and behave at 0 and 1 where a Wald interval collapses to a point.

A conditioned run (``sim condition``) carries a ``weight`` column. Its probabilities are weight shares with
Wilson intervals in which n is replaced by Kish's effective sample size, as in its summary.json
(sim/observe/). A difference involving a weighted run is computed from the weights: when the runs are paired
(the conditioned run and its prior are the very same replicates) by MOVER (Zou & Donner 2008, "Construction
of confidence limits about effect measures: a general approach", Statistics in Medicine 27:1693), the
square-and-add of the two Wilson-with-ESS intervals with the correlation of the two weighted estimates from
the delta method (the same formula as Newcombe's paired one, with that correlation in place of phi); when
they are not, by Newcombe's hybrid score interval with each run's n replaced by its ESS. See docs/charts.md.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.intervals import Z95, wilson
from sim.observe.weighted import effective_sample_size, replicate_weights
from sim.plots import (
    FAN_VARIABLES,
    OUTCOME_ORDER,
    RunInfo,
    check_format,
    compare_fan,
    compare_incidence,
    compare_outcomes,
    read_manifest,
    save,
)
from sim.plots.compare import compare_title

PAIRED = "paired (common random numbers)"
INDEPENDENT = "independent"
# A weighted (conditioned) run on either side: the difference is computed from the weights (see the docstring).
PAIRED_WEIGHTED = "paired, weighted (same replicates; MOVER, n = ESS)"
INDEPENDENT_WEIGHTED = "independent, weighted (n = ESS)"


@dataclass
class Run:
    """One results directory read for a comparison."""

    label: str
    path: Path
    result: Any
    manifest: dict[str, Any]
    info: RunInfo
    weights: np.ndarray | None = None  # normalised to sum 1; None: an ordinary run (equal weights)

    @property
    def ess(self) -> float:
        """Kish's effective sample size: the replicate count for an ordinary run."""
        return float(len(self.result.outcomes)) if self.weights is None else effective_sample_size(self.weights)


def load_runs(paths: list[str | Path]) -> list[Run]:
    from sim.results import load_results

    if len(paths) < 2:
        raise ScenarioError("compare needs at least two results directories (the first is the baseline)")
    runs = []
    for p in paths:
        path = Path(p)
        result = load_results(path)
        manifest = read_manifest(path)
        runs.append(
            Run(
                result.scenario.name,
                path,
                result,
                manifest,
                RunInfo.from_result(result, manifest),
                replicate_weights(result.outcomes, str(path)),
            )
        )
    labels = [r.label for r in runs]
    if len(set(labels)) < len(labels):  # the same scenario twice (say, two seeds): name runs by directory
        for r in runs:
            r.label = r.path.name
    if len({r.label for r in runs}) < len(runs):
        raise ScenarioError("compare: the same results directory given twice")
    return runs


def made_independent(manifest: dict[str, Any]) -> bool:
    """Whether a run was made with --independent; a conditioned run inherits it from its prior (when the prior's
    directory can still be read)."""
    seen = 0
    while manifest and seen < 20:
        if manifest.get("independent"):
            return True
        prior = manifest.get("prior") if manifest.get("kind") == "conditioned" else None
        if not isinstance(prior, dict) or not prior.get("path"):
            return False
        manifest, seen = read_manifest(prior["path"]), seen + 1
    return False


def pairing(base: Run, other: Run) -> tuple[bool, str]:
    """Whether ``other`` shares ``base``'s random numbers replicate by replicate, and why not if it doesn't."""
    a, b = base.result.scenario, other.result.scenario
    reasons = []
    if a.seed != b.seed:
        reasons.append(f"seeds differ ({a.seed} vs {b.seed})")
    if len(base.result.outcomes) != len(other.result.outcomes):
        reasons.append(f"replicates differ ({len(base.result.outcomes)} vs {len(other.result.outcomes)})")
    if a.chunk_size != b.chunk_size:
        reasons.append(f"chunk sizes differ ({a.chunk_size} vs {b.chunk_size})")
    if made_independent(base.manifest) or made_independent(other.manifest):
        reasons.append("a run was made with --independent (no common random numbers)")
    if not reasons and not np.array_equal(
        base.result.outcomes["replicate"].to_numpy(), other.result.outcomes["replicate"].to_numpy()
    ):
        reasons.append("replicate numbers do not line up")
    return (not reasons), "; ".join(reasons)


def newcombe_paired(
    both: int, only_first: int, only_second: int, neither: int, z: float = Z95
) -> tuple[float, float, float]:
    """Difference p1 - p2 of two paired proportions and its interval (Newcombe 1998b, method 10).

    The 2x2 table counts replicates where the event happened in both runs, only in the first, only in the
    second, or in neither; p1 = (both + only_first)/n, p2 = (both + only_second)/n."""
    a, b, c, d = (float(v) for v in (both, only_first, only_second, neither))
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = (float(v) for v in wilson(np.asarray(a + b), np.asarray(n), z))
    l2, u2 = (float(v) for v in wilson(np.asarray(a + c), np.asarray(n), z))
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if denom > 0:
        cross = a * d - b * c
        corrected = cross - n / 2 if cross > n / 2 else (min(cross, 0.0))
        phi = corrected / math.sqrt(denom)
    diff = p1 - p2
    lo = diff - math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = diff + math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return diff, max(lo, -1.0), min(hi, 1.0)


def newcombe_independent(k1: float, n1: float, k2: float, n2: float, z: float = Z95) -> tuple[float, float, float]:
    """Difference p1 - p2 of two independent proportions and its hybrid score interval (Newcombe 1998a,
    method 10). Counts may be effective counts p x ESS of a weighted run, with n = ESS."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = (float(v) for v in wilson(np.asarray(k1), np.asarray(n1), z))
    l2, u2 = (float(v) for v in wilson(np.asarray(k2), np.asarray(n2), z))
    diff = p1 - p2
    lo = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, max(lo, -1.0), min(hi, 1.0)


def weighted_proportion(hit: np.ndarray, w: np.ndarray, z: float = Z95) -> tuple[float, float, float, float]:
    """A weighted run's probability (the weight share of ``hit``; ``w`` sums to 1), its ESS and its Wilson
    interval with n replaced by the ESS: exactly what sim.observe.weighted_summary writes to summary.json."""
    ess = effective_sample_size(w)
    p = float(w[hit].sum())
    lo, hi = wilson(np.asarray(p * ess), np.asarray(ess), z)
    return p, ess, float(lo), float(hi)


def weighted_paired(
    x1: np.ndarray, w1: np.ndarray, x2: np.ndarray, w2: np.ndarray, z: float = Z95
) -> tuple[float, float, float, float]:
    """Difference p1 - p2 of two weighted proportions over the same replicates, its 95% interval and the
    correlation used: p1 = sum w1 x1, p2 = sum w2 x2 (weights summing to 1; equal weights 1/n for an ordinary
    run; x1[i] and x2[i] are replicate i's indicators in each run).

    MOVER (Zou & Donner 2008): square-and-add of the two Wilson intervals with n = ESS, with rho the
    correlation of the two self-normalised estimates by the delta method,
    cov(p1, p2) ~ sum_i w1_i (x1_i - p1) w2_i (x2_i - p2), var(pk) ~ sum_i wk_i^2 (xk_i - pk)^2.
    With equal weights rho is the phi coefficient of the paired 2x2 table, so this is Newcombe's method 10
    without its continuity correction; comparing a conditioned run with its prior (x1 = x2), it gives the
    variance of a weighted mean minus the plain mean of the same sample (say, p(1-p)(1/m - 1/n) for weight
    spread evenly over m of n replicates). rho is 0 when either estimate has no variance (p = 0 or 1), as in
    Newcombe's method."""
    x1, x2 = np.asarray(x1, dtype=float), np.asarray(x2, dtype=float)
    p1, p2 = float(w1 @ x1), float(w2 @ x2)
    e1, e2 = effective_sample_size(w1), effective_sample_size(w2)
    l1, u1 = (float(v) for v in wilson(np.asarray(p1 * e1), np.asarray(e1), z))
    l2, u2 = (float(v) for v in wilson(np.asarray(p2 * e2), np.asarray(e2), z))
    a, b = w1 * (x1 - p1), w2 * (x2 - p2)
    v1, v2 = float(a @ a), float(b @ b)
    rho = float(np.clip((a @ b) / math.sqrt(v1 * v2), -1.0, 1.0)) if v1 > 0 and v2 > 0 else 0.0
    diff = p1 - p2
    lo = diff - math.sqrt(max((p1 - l1) ** 2 - 2 * rho * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = diff + math.sqrt(max((u1 - p1) ** 2 - 2 * rho * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return diff, max(lo, -1.0), min(hi, 1.0), rho


def compare_table(runs: list[Run]) -> pd.DataFrame:
    """A row per run and outcome: count, n, p with its Wilson interval, and the difference from the first run
    with its interval and how it was computed (paired or independent, weighted or not).

    For a weighted (conditioned) run, p is the weight share, ``count`` the effective count p x ESS (rounded),
    ``n`` the replicates and ``ess`` the effective sample size (for an ordinary run, ``ess`` = ``n``)."""
    base = runs[0]
    base_out = base.result.outcomes["outcome"].astype(str).to_numpy()
    rows = []
    for run in runs:
        out = run.result.outcomes["outcome"].astype(str).to_numpy()
        paired, why = (True, "") if run is base else pairing(base, run)
        weighted = run.weights is not None or base.weights is not None
        for o in OUTCOME_ORDER:
            hit = out == o
            if run.weights is None:
                k, n = int(hit.sum()), hit.size
                lo, hi = wilson(k, n)
                row: dict[str, Any] = {
                    "run": run.label,
                    "outcome": o,
                    "count": k,
                    "n": n,
                    "ess": float(n),
                    "p": k / n,
                    "lo": float(lo),
                    "hi": float(hi),
                }
            else:
                p, ess, lo, hi = weighted_proportion(hit, run.weights)
                row = {
                    "run": run.label,
                    "outcome": o,
                    "count": int(round(p * ess)),
                    "n": hit.size,
                    "ess": ess,
                    "p": p,
                    "lo": lo,
                    "hi": hi,
                }
            b = base_out == o
            if run is base:
                row.update(diff=0.0, diff_lo=0.0, diff_hi=0.0, pairing="baseline", note="")
            elif weighted and paired:
                w_run = run.weights if run.weights is not None else np.full(hit.size, 1.0 / hit.size)
                w_base = base.weights if base.weights is not None else np.full(b.size, 1.0 / b.size)
                row["diff"], row["diff_lo"], row["diff_hi"], _rho = weighted_paired(hit, w_run, b, w_base)
                row.update(pairing=PAIRED_WEIGHTED, note="")
            elif weighted:
                pb, essb = float(b.mean()), float(b.size)
                if base.weights is not None:
                    pb, essb, _lo, _hi = weighted_proportion(b, base.weights)
                row["diff"], row["diff_lo"], row["diff_hi"] = newcombe_independent(
                    row["p"] * row["ess"], row["ess"], pb * essb, essb
                )
                row.update(pairing=INDEPENDENT_WEIGHTED, note=why)
            elif paired:
                row["diff"], row["diff_lo"], row["diff_hi"] = newcombe_paired(
                    int((hit & b).sum()), int((hit & ~b).sum()), int((~hit & b).sum()), int((~hit & ~b).sum())
                )
                row.update(pairing=PAIRED, note="")
            else:
                kb = int(b.sum())
                row["diff"], row["diff_lo"], row["diff_hi"] = newcombe_independent(
                    row["count"], row["n"], kb, base_out.size
                )
                row.update(pairing=INDEPENDENT, note=why)
            rows.append(row)
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, runs: list[Run]) -> str:
    """The comparison as text: one block per run, and a line on how each difference was computed."""
    base = runs[0].label
    lines = [
        f"{'run':<20}{'outcome':<20}{'probability':>12}   {'95% interval':<17}"
        f"{'difference from ' + base:>26}   95% interval"
    ]
    for run in runs:
        t = table[table["run"] == run.label]
        for _, r in t.iterrows():
            diff = (
                ""
                if r["pairing"] == "baseline"
                else (f"{100 * r['diff']:>+22.1f} pts   [{100 * r['diff_lo']:+.1f}, {100 * r['diff_hi']:+.1f}]")
            )
            lines.append(
                f"{r['run']:<20}{r['outcome']:<20}{r['p']:>11.1%}   [{r['lo']:.1%}, {r['hi']:.1%}]".ljust(67) + diff
            )
        lines.append("")
    for run in runs:
        if run.weights is not None:
            lines.append(
                f"{run.label}: conditioned (weight column): probabilities are weight shares, their "
                f"intervals Wilson's with n = ESS {run.ess:,.1f} (of {len(run.weights):,} replicates)"
            )
    for run in runs[1:]:
        t = table[table["run"] == run.label].iloc[0]
        if t["pairing"] == PAIRED:
            lines.append(
                f"{run.label} vs {base}: paired differences (same seed, replicates and chunk size: "
                "common random numbers; Newcombe's paired interval)"
            )
        elif t["pairing"] == PAIRED_WEIGHTED:
            lines.append(
                f"{run.label} vs {base}: paired weighted differences (same seed, replicates and chunk "
                "size; differences of weight shares over the same replicates; MOVER interval: the two "
                "Wilson intervals with n = ESS and the delta-method correlation of the weighted "
                "estimates)"
            )
        elif t["pairing"] == INDEPENDENT_WEIGHTED:
            lines.append(
                f"{run.label} vs {base}: INDEPENDENT samples ({t['note']}); weighted differences use "
                "Newcombe's hybrid score interval with each run's n replaced by its ESS"
            )
        else:
            lines.append(
                f"{run.label} vs {base}: INDEPENDENT samples ({t['note']}); differences use Newcombe's "
                "hybrid score interval for independent proportions"
            )
    moves = transition_lines(runs)
    if moves:
        lines += ["", *moves]
    horizons = {r.label: r.result.scenario.horizon_weeks for r in runs}
    if len(set(horizons.values())) > 1:
        lines.append(
            "warning: the horizons differ ("
            + ", ".join(f"{k}: {v} weeks" for k, v in horizons.items())
            + "); probabilities at the horizon are not like for like"
        )
    return "\n".join(lines)


COMPARISON_KIND = "comparison"


def write_comparison_manifest(path: Path, runs: list[Run]) -> None:
    """manifest.json of a comparison directory: the runs compared (absolute paths, baseline first), so that
    ``sim report`` can write its what-if report."""
    import json

    from sim import __version__

    data = {
        "kind": COMPARISON_KIND,
        "runs": [str(r.path.resolve()) for r in runs],
        "labels": [r.label for r in runs],
        "baseline": runs[0].label,
        "versions": {"leverage-sim": __version__},
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def is_comparison(path: str | Path) -> bool:
    return read_manifest(path).get("kind") == COMPARISON_KIND


def paired_transitions(base: Run, other: Run) -> pd.DataFrame | None:
    """For two paired ordinary runs, the replicate-by-replicate table of outcomes (rows: the baseline's outcome,
    columns: the other run's), else None."""
    if base.weights is not None or other.weights is not None or not pairing(base, other)[0]:
        return None
    a = pd.Categorical(base.result.outcomes["outcome"].astype(str), categories=list(OUTCOME_ORDER))
    b = pd.Categorical(other.result.outcomes["outcome"].astype(str), categories=list(OUTCOME_ORDER))
    return pd.crosstab(a, b, dropna=False).reindex(index=list(OUTCOME_ORDER), columns=list(OUTCOME_ORDER), fill_value=0)


def transition_lines(runs: list[Run]) -> list[str]:
    """``settlement: 812 replicates gain it, 203 lose it`` for each paired alternative and outcome that moves."""
    lines = []
    for run in runs[1:]:
        m = paired_transitions(runs[0], run)
        if m is None:
            continue
        lines.append(f"{run.label} vs {runs[0].label}, replicate by replicate (the same worlds under both):")
        for o in OUTCOME_ORDER:
            gain = int(m[o].sum() - m.loc[o, o])
            lose = int(m.loc[o].sum() - m.loc[o, o])
            if gain or lose:
                lines.append(f"  {o:<18} {gain:>7,} replicates gain it, {lose:>7,} lose it (net {gain - lose:+,})")
    return lines


def compare_caption(runs: list[Run]) -> str:
    same = len({(r.info.replicates, r.info.seed) for r in runs}) == 1 and all(r.weights is None for r in runs)
    if same and len(runs) > 2:
        r0 = runs[0].info
        return f"Leverage {r0.version} · {len(runs)} runs of {r0.replicates:,} replicates each, seed {r0.seed}"
    parts = [
        f"{r.label}: {r.info.replicates:,} replicates"
        + ("" if r.weights is None else f" (ESS {r.ess:,.0f})")
        + f", seed {r.info.seed}"
        for r in runs
    ]
    return f"Leverage {runs[0].info.version} · " + " · ".join(parts)


def default_out(paths: list[str | Path], runs: list[Run]) -> Path:
    return Path(paths[0]).parent / ("compare_" + "_vs_".join(r.label for r in runs))


def write_comparison(
    paths: list[str | Path], out: Path | None = None, fmt: str = "png"
) -> tuple[pd.DataFrame, str, list[Path]]:
    """Compare runs: write comparison.csv, comparison.txt and the charts into ``out``; return the table, its
    text and the files written."""
    check_format(fmt)
    runs = load_runs(paths)
    out = Path(out) if out is not None else default_out(paths, runs)
    with staged_dir(out) as stage:
        table, text, files = _write_comparison(runs, stage, fmt)
    return table, text, [out / f.name for f in files]


@contextlib.contextmanager
def staged_dir(out: Path) -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``out`` to write into; on success move its files into ``out``
    (made if missing; each file replaced atomically, others already there kept), on failure remove it and any
    directory made for it: a failed comparison leaves ``out`` as it was, never half-written."""
    from sim.files import remove_empty, with_path

    if out.exists() and not out.is_dir():
        raise ScenarioError("exists and is not a directory; choose another --out", source=str(out))
    made = [p for p in (out, *out.parents) if not p.exists()]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except BaseException:
        remove_empty(made)
        raise
    try:
        yield stage
        if not out.exists():
            os.rename(stage, out)
        else:
            for f in stage.iterdir():
                os.replace(f, out / f.name)
            stage.rmdir()
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        remove_empty(made)
        if isinstance(exc, OSError) and exc.filename is None:
            raise with_path(exc, out) from exc
        raise


def _write_comparison(runs: list[Run], out: Path, fmt: str) -> tuple[pd.DataFrame, str, list[Path]]:
    table = compare_table(runs)
    text = format_table(table, runs)
    files = [out / "comparison.csv", out / "comparison.txt", out / "manifest.json"]
    table.to_csv(files[0], index=False)
    write_comparison_manifest(files[2], runs)
    files[1].write_text(text + "\n", encoding="utf-8")
    labels = [r.label for r in runs]
    caption = compare_caption(runs)
    weeklies = {r.label: r.result.weekly for r in runs}
    infos = {r.label: r.info for r in runs}
    figs = {
        "compare_outcomes": compare_outcomes(table, compare_title(labels, "outcome probabilities"), caption),
        "compare_incidence": compare_incidence(weeklies, infos, compare_title(labels, "cumulative incidence"), caption),
    }
    for var in FAN_VARIABLES:
        figs[f"compare_fan_{var}"] = compare_fan(
            weeklies, infos, var, compare_title(labels, FAN_VARIABLES[var].title), caption
        )
    files += [save(fig, out / f"{stem}.{fmt}") for stem, fig in figs.items()]
    return table, text, files
