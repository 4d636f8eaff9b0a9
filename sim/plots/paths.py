"""Sample paths of the state variables, and the split fan of a variable whose replicates fall into two worlds.

The weekly table holds five percentiles a week over all the replicates still at war. When those replicates
split into two groups (Russian refining with and without Tomahawks; escalation pressure after an escalation
and without one) a fan over all of them paints the empty gap between the groups, and percentile lines hide
how many replicates each group holds. ``split_fan_chart`` draws instead a fan for each group, with its share
of the replicates and how its replicates end, beside a spaghetti of sample paths coloured by their outcome.

Both need each replicate's path, not only the weekly percentiles: ``kept_paths`` reads them from the run's
``trajectories.parquet`` when the run kept the variable (``sim run --trajectories``); otherwise
``simulated_paths`` simulates a sample of ``SAMPLE_SIZE`` replicates of the run's own scenario and seed for the
chart (about a second; the chart says so: they are other draws of the same model, not the run's replicates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots.common import (
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    RunInfo,
    _percent_axis,
    _style,
    date_axis,
    draw_key,
    event_key_lines,
    figure_with_key,
    finish,
    headroom,
    mark_events,
    outcome_weights,
    variable_spec,
)

# Replicates simulated for a split fan when the run kept no trajectory of the variable; kept trajectories are
# read for at most MAX_KEPT replicates (the first ones; a million replicates' paths would not fit a chart).
SAMPLE_SIZE = 1_000
MAX_KEPT = 20_000
# Sample paths drawn in the spaghetti panel.
SPAGHETTI = 60
# The two groups' colours: Paul Tol's indigo and olive, none of them an outcome's colour (the spaghetti beside
# them is coloured by outcome).
GROUP_COLOURS = ("#332288", "#999933")
PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class Paths:
    """Each replicate's weekly value of one variable, how and when it ended, and where the paths come from."""

    values: np.ndarray  # (weeks 0..H, replicates)
    ends: np.ndarray  # the week each replicate ended; H + 1 for a war still going at the horizon
    outcome: np.ndarray  # each replicate's outcome at the horizon
    weights: np.ndarray | None  # a conditioned run's weights (normalised), else None
    source: str  # said on the chart
    # The replicates' end-state, cumulative and sampled-parameter columns (outcomes.parquet), to say what
    # tells the groups apart; None when not at hand.
    columns: pd.DataFrame | None = None

    @property
    def n(self) -> int:
        return int(self.values.shape[1])

    def active(self) -> np.ndarray:
        """(weeks, replicates): whether each replicate is still at war at the end of each week."""
        return np.arange(self.values.shape[0])[:, None] < self.ends[None, :]


def _ends(outcome: np.ndarray, week: np.ndarray, horizon: int) -> np.ndarray:
    return np.where(outcome == "ongoing", horizon + 1, week).astype(np.int64)


def kept_paths(results_dir: str | Path | None, variable: str, outcomes: pd.DataFrame, horizon: int) -> Paths | None:
    """The paths of ``variable`` from a results directory's ``trajectories.parquet`` (its first MAX_KEPT
    replicates), or None when the run kept no trajectory of it."""
    import pyarrow.parquet as pq

    from sim.results import TRAJECTORIES_FILE

    if results_dir is None or "replicate" not in outcomes:
        return None
    path = Path(results_dir) / TRAJECTORIES_FILE
    if not path.is_file():
        return None
    table = pq.read_table(
        path, columns=["replicate", "week", "variable", "value"], filters=[("variable", "=", variable)]
    )
    if table.num_rows == 0:
        return None
    frame = table.select(["replicate", "week", "value"]).to_pandas()
    first = sorted(frame["replicate"].unique())[:MAX_KEPT]
    frame = frame[frame["replicate"].isin(first)]
    wide = frame.pivot(index="week", columns="replicate", values="value").sort_index()
    reps = wide.columns.to_numpy()
    by_rep = outcomes.set_index("replicate")
    keep = np.isin(reps, by_rep.index.to_numpy())
    wide, reps = wide.loc[:, keep], reps[keep]
    rows = by_rep.loc[reps]
    columns = None
    source = Path(results_dir) / "outcomes.parquet"
    if source.is_file():
        names = [c for c in pq.read_schema(source).names if c.startswith(DRIVER_PREFIXES)]
        table = pq.read_table(source, columns=["replicate", *names]).to_pandas().set_index("replicate")
        columns = table.reindex(reps).reset_index(drop=True)
    outcome = rows["outcome"].astype(str).to_numpy()
    w = outcome_weights(rows.reset_index())
    n_all = len(outcomes)
    what = f"the run's kept trajectories ({len(reps):,} replicates" + (f" of {n_all:,})" if len(reps) < n_all else ")")
    return Paths(
        wide.to_numpy(dtype=float),
        _ends(outcome, rows["week"].to_numpy(), horizon),
        outcome,
        None if w is None else w / w.sum(),
        what,
        columns,
    )


def simulated_paths(scenario: Any, variables: Sequence[str], size: int | None = None) -> dict[str, Paths]:
    """Paths of ``variables`` for ``size`` replicates of ``scenario`` simulated now (its seed, chunk 0 at this
    size: other draws of the same model than the run's replicates)."""
    from sim.runner import run_chunk

    size = SAMPLE_SIZE if size is None else size
    part = run_chunk(scenario, 0, size, keep=tuple(variables))
    table = part["outcomes"].to_pandas()
    columns = table[[c for c in table.columns if c.startswith(DRIVER_PREFIXES)]]
    outcome = table["outcome"].astype(str).to_numpy()
    ends = _ends(outcome, table["week"].to_numpy(), scenario.horizon_weeks)
    source = f"{size:,} replicates simulated for the chart (other draws of the same model)"
    return {
        v: Paths(np.asarray(part["trajectories"][v], dtype=float), ends, outcome, None, source, columns)
        for v in variables
    }


@dataclass(frozen=True)
class Split:
    """Where the replicates split: the week with the widest gap between successive weekly percentiles (among
    the weeks where one gap holds most of the 5th-95th range), and the middle of that gap."""

    week: int
    threshold: float


def find_split(table: pd.DataFrame, gap: float = 0.6) -> Split | None:
    """The split of a fan table (``sim.plots.run.fan_table``): of the weeks where one gap between successive
    percentiles holds more than ``gap`` of the 5th-95th range, the one where that gap is widest."""
    q = table[[f"q{p:02d}" for p in PERCENTILES]].to_numpy(dtype=float)
    weeks = table["week"].to_numpy()
    ok = np.isfinite(q).all(axis=1)
    if not ok.any():
        return None
    q, weeks = q[ok], weeks[ok]
    gaps = np.diff(q, axis=1)
    spread = q[:, -1] - q[:, 0]
    widest = gaps.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(spread > 0, widest / spread, 0.0)
    candidates = np.flatnonzero(share > gap)
    if candidates.size == 0:
        return None
    i = int(candidates[np.argmax(widest[candidates])])
    k = int(np.argmax(gaps[i]))
    return Split(int(weeks[i]), float((q[i, k] + q[i, k + 1]) / 2))


def weekly_quantiles(
    values: np.ndarray, mask: np.ndarray, weights: np.ndarray | None, min_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per week, the percentiles (PERCENTILES) of the values where ``mask`` holds (weighted when ``weights``
    are given); NaN in weeks with fewer than ``min_n`` such replicates. Also the count per week."""
    from sim.observe import weighted_quantile

    weeks = values.shape[0]
    out = np.full((weeks, len(PERCENTILES)), np.nan)
    counts = mask.sum(axis=1)
    for t in range(weeks):
        if counts[t] < min_n:
            continue
        x = values[t, mask[t]]
        if weights is None:
            out[t] = np.percentile(x, PERCENTILES)
        else:
            out[t] = weighted_quantile(x, [p / 100 for p in PERCENTILES], weights[mask[t]])
    return out, counts


def smooth3(q: np.ndarray) -> np.ndarray:
    """Smoothing over three weeks (weights 1/4, 1/2, 1/4), as ``fan_table`` does for a zig-zagging median."""
    prev = np.concatenate([q[:1], q[:-1]])
    nxt = np.concatenate([q[1:], q[-1:]])
    return 0.25 * prev + 0.5 * q + 0.25 * nxt


def spaghetti_sample(paths: Paths, k: int = SPAGHETTI) -> np.ndarray:
    """``k`` replicates to draw, evenly spaced in the (weighted) sample: systematic resampling, so a
    conditioned run's paths are drawn in proportion to their weights; deterministic."""
    w = np.full(paths.n, 1.0 / paths.n) if paths.weights is None else paths.weights
    cum = np.cumsum(w)
    picks = np.searchsorted(cum, (np.arange(min(k, paths.n)) + 0.5) / min(k, paths.n) * cum[-1])
    return np.unique(np.minimum(picks, paths.n - 1))


DRIVER_PREFIXES = ("cum.", "params.", "initial.", "end.")


def column_label(column: str) -> str:
    """A plain label for an outcome-table column: a state variable's declared label, else the dotted path."""
    from sim.names import STATE_VARIABLES

    kind, _, name = column.partition(".")
    if kind in ("end", "cum") and name in STATE_VARIABLES:
        label = STATE_VARIABLES[name][2].rpartition(", ")[0] or STATE_VARIABLES[name][2]
        return ("at the end: " if kind == "end" else "") + label
    return column if kind in ("params", "initial") else name.replace("_", " ")


@dataclass(frozen=True)
class Driver:
    """The column that best tells two groups apart, and its median in each."""

    column: str
    auc: float  # P(a replicate of the upper group has the larger value), ties counted half
    median_lower: float
    median_upper: float

    def describe(self) -> str:
        def num(v: float) -> str:
            return f"{v:,.3g}"

        return (
            f"what tells them apart: {column_label(self.column)}, median {num(self.median_lower)} in the lower "
            f"group and {num(self.median_upper)} in the upper"
        )


def group_driver(columns: pd.DataFrame | None, upper: np.ndarray, variable: str, least: float = 0.9) -> Driver | None:
    """Of the replicates' end-state, cumulative and parameter columns, the one whose values best separate the
    upper group from the lower (the area under the ROC curve, Mann-Whitney's U / (n_u n_l), furthest from
    1/2), if it separates them well (AUC at least ``least`` or at most 1 - ``least``). Columns of the variable
    itself are left out."""
    from scipy.stats import rankdata

    if columns is None or upper.all() or not upper.any():
        return None
    n_u, n_l = int(upper.sum()), int((~upper).sum())
    best: Driver | None = None
    order = sorted(columns.columns, key=lambda c: DRIVER_PREFIXES.index(c.partition(".")[0] + "."))
    for col in order:
        if variable in col:
            continue
        x = pd.to_numeric(columns[col], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(x).all() or np.ptp(x) == 0:
            continue
        r = rankdata(x)
        auc = (float(r[upper].sum()) - n_u * (n_u + 1) / 2) / (n_u * n_l)
        if best is None or abs(auc - 0.5) > abs(best.auc - 0.5) + 1e-12:
            best = Driver(col, auc, float(np.median(x[~upper])), float(np.median(x[upper])))
    if best is None or abs(best.auc - 0.5) < least - 0.5:
        return None
    return best


def outcome_mix(outcome: np.ndarray, weights: np.ndarray | None) -> str:
    """How a group's replicates end, in words: '70% war still going, 28% settlement, 2% escalation'."""
    w = np.ones(len(outcome)) if weights is None else weights
    total = float(w.sum())
    parts = []
    for o in OUTCOME_ORDER:
        share = float(w[outcome == o].sum()) / total if total > 0 else 0.0
        if share >= 0.005:
            label = OUTCOME_STYLE[o][0]
            parts.append((share, label[0].lower() + label[1:] if o != "ongoing" else "still at war"))
    return ", ".join(f"{s:.0%} {name}" for s, name in sorted(parts, reverse=True))


def split_fan_chart(
    table: pd.DataFrame,
    variable: str,
    info: RunInfo,
    paths: Paths,
    split: Split,
    scope: str = "active",
    min_n: int = 20,
) -> Figure:
    """A fan (median, 50% and 90% bands) for each of the two groups of replicates, beside sample paths
    coloured by how each replicate ends. ``table`` is the run's fan table (``fan_table``), which says whether
    to smooth; ``split`` where the groups part (``find_split``)."""
    with _style():
        spec = variable_spec(variable)
        # Each replicate's group: its value in the week of the split (frozen at its end if it ended before).
        upper = paths.values[split.week] >= split.threshold
        groups = [("lower", ~upper), ("upper", upper)]
        active = paths.active() if scope == "active" else np.ones_like(paths.values, dtype=bool)
        w = paths.weights
        total = float(np.sum(w)) if w is not None else float(paths.n)
        mixes = {name: outcome_mix(paths.outcome[m], None if w is None else w[m]) for name, m in groups}
        shares = {name: (float(w[m].sum()) if w is not None else float(m.sum())) / total for name, m in groups}
        n_keys = 3 + len({o for o in paths.outcome[spaghetti_sample(paths)]})
        fig, (ax, ax2), key = figure_with_key(12, 4.2, max(n_keys, event_key_lines(info)) + 1, 2, [1, 1])
        x = info.dates(np.arange(paths.values.shape[0]))
        handles: list[Any] = []
        labels: list[str] = []
        smoothed = bool(table.attrs.get("smoothed"))
        fmt = (lambda v: f"{v:.0%}") if spec.percent else (lambda v: f"{v:,.3g}")
        for (name, m), colour in zip(groups, GROUP_COLOURS, strict=True):
            q, _ = weekly_quantiles(paths.values, active & m[None, :], w, min_n)
            if smoothed:
                q = smooth3(q)
            ax.fill_between(x, q[:, 0], q[:, 4], color=colour, alpha=0.16, lw=0, gid=f"group-{name}-band90")
            ax.fill_between(x, q[:, 1], q[:, 3], color=colour, alpha=0.34, lw=0, gid=f"group-{name}-band50")
            ax.plot(x, q[:, 2], color=colour, lw=2, gid=f"group-{name}-median")
            handles.append((Patch(color=colour, alpha=0.3, lw=0), Line2D([], [], color=colour, lw=2)))
            labels.append(f"{name} group, {shares[name]:.0%} of replicates; by the horizon: {mixes[name]}")
        ax.axhline(split.threshold, color="#777777", lw=0.8, ls="--", gid="split-threshold")
        headroom(ax)
        entries = mark_events(ax, info)
        ax.set_title(
            f"A fan for each group: median, 50% and 90% bands, over its replicates still at war\n"
            f"groups: value in {info.date(split.week):%d %b %Y} (week {split.week}) above or below "
            f"{fmt(split.threshold)} (dashed)",
            loc="left",
        )
        # Spaghetti: sample paths, each while the replicate is at war, and a dot where it ended.
        picks = spaghetti_sample(paths)
        seen: dict[str, None] = {}
        for i in picks:
            o = str(paths.outcome[i])
            colour = OUTCOME_STYLE.get(o, ("", "#555555"))[1]
            last = min(int(paths.ends[i]), paths.values.shape[0] - 1)
            ax2.plot(x[: last + 1], paths.values[: last + 1, i], color=colour, lw=0.8, alpha=0.75, gid="sample-path")
            if o != "ongoing":
                ax2.plot(x[last], paths.values[last, i], "o", color=colour, ms=3.2, gid="sample-end")
            seen[o] = None
        ax2.sharey(ax)
        mark_events(ax2, info)
        ax2.set_title(
            f"{len(picks)} sample paths coloured by how each replicate ends (dot: the week it ended)\n"
            f"paths: {paths.source}",
            loc="left",
        )
        for a in (ax, ax2):
            if spec.percent:
                _percent_axis(a)
            date_axis(a, info)
        ax.set_ylabel(spec.ylabel)
        for o in OUTCOME_ORDER:
            if o in seen:
                handles.append(Line2D([], [], color=OUTCOME_STYLE[o][1], lw=1.2))
                labels.append(f"path ending: {OUTCOME_STYLE[o][0]}")
        driver = group_driver(paths.columns, upper, variable)
        if driver is not None:
            handles.append(Line2D([], [], lw=0))
            labels.append(driver.describe())
        draw_key(key, (handles, labels), entries, split_inches=6.9)
        title = f"{info.name}: {spec.title}, in two groups of replicates" + (
            " (smoothed over 3 weeks)" if smoothed else ""
        )
        return finish(fig, title, info.caption)
