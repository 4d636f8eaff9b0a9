"""Scenario discovery without matplotlib: PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010), the
conditions that say which points of a sweep are of interest, and the default condition.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError


@dataclass(frozen=True)
class PrimBox:
    """One box of the peeling trajectory: limits per dimension and its statistics."""

    limits: dict[str, tuple[float, float]]
    coverage: float  # share of all cases of interest that fall in the box
    density: float  # share of the points in the box that are cases of interest
    mass: float  # share of all points in the box
    restricted: tuple[str, ...]  # dimensions whose limits are inside the data's range (chosen box: by worth)


@dataclass(frozen=True)
class PrimResult:
    trajectory: tuple[PrimBox, ...]
    chosen: int  # the trajectory's box that was chosen
    base_rate: float
    data_limits: dict[str, tuple[float, float]]
    box: PrimBox  # the chosen box with its nearly worthless restrictions lifted


def _quantile(v: np.ndarray, q: float) -> float:
    """The peeling quantile of sdtoolkit and EMA Workbench: the midpoint of the order statistics either side of
    position (m - 1) q of the sorted values ``v``, moved outwards past ties, so a peel at the lower end removes
    floor((m - 1) alpha) + 1 points (about ceil(alpha m)), whole ties included."""
    m = v.size
    i = (m - 1) * q
    lo, hi = math.floor(i), math.ceil(i)
    if q > 0.5:
        while v[lo] == v[hi] and lo > 0:
            lo -= 1
    else:
        while v[lo] == v[hi] and hi < m - 1:
            hi += 1
    return float((v[lo] + v[hi]) / 2)


def _objective(y_old: np.ndarray, y_new: np.ndarray) -> float:
    """EMA Workbench's default ('lenient1') objective: the change in the box's share of cases of interest per
    point removed (peeling) or added (pasting)."""
    mean_old = float(y_old.mean())
    mean_new = float(y_new.mean()) if y_new.size else 0.0
    if mean_new == mean_old or y_new.size == y_old.size:
        return 0.0
    return (mean_new - mean_old) / abs(y_old.size - y_new.size)


Limits = dict[str, tuple[float, float]]


def _in_box(values: np.ndarray, cols: list[str], limits: Limits) -> np.ndarray:
    keep = np.ones(values.shape[0], dtype=bool)
    for j, c in enumerate(cols):
        keep &= (values[:, j] >= limits[c][0]) & (values[:, j] <= limits[c][1])
    return keep


def _peel_candidates(
    values: np.ndarray, cols: list[str], integer: list[bool], inside: np.ndarray, limits: Limits, alpha: float
) -> list[tuple[Limits, np.ndarray]]:
    """Every peel of the current box, as EMA Workbench makes them: for each dimension (real ones first, then
    integer ones, in column order), the upper end then the lower end, each at the ``alpha`` quantile of the
    box's points (``_quantile``). An integer dimension's limit is truncated to an integer and, when that does not
    move it, the limit's own value is peeled (so discrete parameters peel one value at a time)."""
    out = []
    idx = np.flatnonzero(inside)
    order = [j for j in range(len(cols)) if not integer[j]] + [j for j in range(len(cols)) if integer[j]]
    for j in order:
        c = cols[j]
        xj = values[idx, j]
        v = np.sort(xj)
        lo, hi = limits[c]
        for side in ("upper", "lower"):
            q = _quantile(v, 1 - alpha if side == "upper" else alpha)
            if not integer[j]:
                keep = xj <= q if side == "upper" else xj >= q
                new = (lo, q) if side == "upper" else (q, hi)
            else:
                p = float(int(q))
                if side == "lower":
                    keep = ((xj > lo) if p == lo else (xj >= p)) & (xj <= hi)
                    new = (float(xj[keep].min()) if keep.any() else float(xj.min()), hi)
                else:
                    keep = ((xj < hi) if p == hi else (xj <= p)) & (xj >= lo)
                    new = (lo, float(xj[keep].max()) if keep.any() else float(xj.max()))
            members = np.zeros_like(inside)
            members[idx[keep]] = True
            out.append(({**limits, c: new}, members))
    return out


def _paste_candidates(
    values: np.ndarray, cols: list[str], integer: list[bool], limits: Limits, data_limits: Limits, alpha: float
) -> list[tuple[Limits, np.ndarray]]:
    """Every paste of the box, as EMA Workbench makes them: for each restricted dimension, widen the lower
    (then the upper) limit to the ``1 - alpha`` (``alpha``) quantile of the points just outside it that lie
    inside the box's other restricted limits."""
    restricted = [c for c in cols if limits[c] != data_limits[c]]
    res_idx = [cols.index(c) for c in restricted]
    sub = values[:, res_idx]
    order = [j for j in range(len(cols)) if not integer[j]] + [j for j in range(len(cols)) if integer[j]]
    out = []
    for j in order:
        c = cols[j]
        if c not in restricted:
            continue
        lo, hi = limits[c]
        minimum, maximum = data_limits[c]
        for side in ("lower", "upper"):
            outside = {**limits, c: (minimum, lo) if side == "lower" else (hi, maximum)}
            data = values[_in_box(sub, restricted, outside), j]
            if data.size:
                value = _quantile(np.sort(data), 1 - alpha if side == "lower" else alpha)
            else:
                value = minimum if side == "lower" else maximum
            if integer[j]:
                value = float(int(value))
            new = {**limits, c: (value, hi) if side == "lower" else (lo, value)}
            out.append((new, _in_box(sub, restricted, new)))
    return out


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
    tolerance: float = 0.01,
    prune: float = 0.02,
) -> PrimResult:
    """Patient Rule Induction Method as EMA Workbench runs it with its defaults (docs/charts.md): peel the
    ``alpha`` quantile off one end of one dimension at a time, always the peel with the best gain in the share
    of cases of interest per point removed, while the box keeps ``min_mass`` of the points and the share
    rises; then paste back (``paste_alpha``) while that raises the share.

    The chosen box is, among the boxes that keep at least ``min_coverage`` of the cases of interest, the one
    with the highest coverage whose density is within ``tolerance`` of the best density (the usual
    scenario-discovery trade-off: near-maximal density, as much coverage as that allows). Then each restriction
    whose lifting costs at most ``prune`` of density is lifted, least valuable first.
    """
    cols = [str(c) for c in x.columns]
    values = x.to_numpy(dtype=float)
    integer = [bool(pd.api.types.is_integer_dtype(x[c])) for c in x.columns]
    target = np.asarray(y, dtype=bool)
    if values.shape[0] != target.size or target.size == 0:
        raise ScenarioError("PRIM needs as many outcomes as points, and at least one point")
    if not target.any():
        raise ScenarioError("PRIM: the condition holds for no point; nothing to discover")
    yv = target.astype(float)
    total, n = int(target.sum()), target.size
    data_limits = {c: (float(values[:, j].min()), float(values[:, j].max())) for j, c in enumerate(cols)}

    def box(lim: Limits, inside: np.ndarray) -> PrimBox:
        restricted = tuple(c for c in cols if lim[c] != data_limits[c])
        k = int(target[inside].sum())
        return PrimBox(dict(lim), k / total, k / int(inside.sum()), float(inside.mean()), restricted)

    def best(inside: np.ndarray, candidates: list[tuple[Limits, np.ndarray]]) -> tuple[float, Limits, np.ndarray]:
        scored = [
            (_objective(yv[inside], yv[members]), sum(lim[c] == data_limits[c] for c in cols), lim, members)
            for lim, members in candidates
        ]
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)  # stable: the first found wins a tie
        obj, _, lim, members = scored[0]
        return obj, lim, members

    limits, inside = dict(data_limits), np.ones(n, dtype=bool)
    trajectory = [box(limits, inside)]
    while True:  # peeling
        candidates = _peel_candidates(values, cols, integer, inside, limits, alpha)
        if not candidates:
            break
        obj, lim, members = best(inside, candidates)
        m = int(members.sum())
        if not (m / n >= min_mass and m < int(inside.sum()) and obj > 0):
            break
        limits, inside = lim, members
        trajectory.append(box(limits, inside))
    while True:  # pasting
        candidates = _paste_candidates(values, cols, integer, limits, data_limits, paste_alpha)
        if not candidates:
            break
        obj, lim, members = best(inside, candidates)
        m = int(members.sum())
        if not (m / n >= min_mass and m > int(inside.sum()) and obj > 0 and yv[members].mean() > yv[inside].mean()):
            break
        limits, inside = lim, members
        trajectory.append(box(limits, inside))

    eligible = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage] or [0]
    top = max(trajectory[i].density for i in eligible)
    near = [i for i in eligible if trajectory[i].density >= top - tolerance]
    chosen = max(near, key=lambda i: (trajectory[i].coverage, -len(trajectory[i].restricted), -i))
    # Lift, one at a time, the restrictions worth less than ``prune`` of density (the density lost when that
    # restriction alone is lifted): peeling on a few points picks up restrictions that only fit noise.
    limits = dict(trajectory[chosen].limits)

    def stats(lim: Limits) -> tuple[np.ndarray, float]:
        keep = _in_box(values, cols, lim)
        return keep, float(target[keep].mean())

    while True:
        _, density = stats(limits)
        restricted = [c for c in cols if limits[c] != data_limits[c]]
        worth = {c: density - stats({**limits, c: data_limits[c]})[1] for c in restricted}
        if not worth or min(worth.values()) > prune:
            break
        weakest = min(worth, key=lambda c: (worth[c], c))
        limits[weakest] = data_limits[weakest]
    keep, density = stats(limits)
    ordered = tuple(sorted(worth, key=lambda c: (-worth[c], c)))
    box_ = PrimBox(limits, float(target[keep].sum() / total), density, float(keep.mean()), ordered)
    return PrimResult(tuple(trajectory), chosen, total / n, data_limits, box_)


CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


def parse_condition(text: str, table: pd.DataFrame) -> np.ndarray:
    """Evaluate a condition such as ``p_settlement_26 >= 0.5`` or ``outcome == settlement and week <= 26``
    (clauses joined by 'and') on a table; a clear error names an unknown column."""
    import operator

    ops = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
        "!=": operator.ne,
    }
    mask = np.ones(len(table), dtype=bool)
    for clause in re.split(r"\s+and\s+", text.strip()):
        m = CONDITION.match(clause)
        if not m:
            raise ScenarioError(f"condition {clause!r}: expected 'column op value' with op one of <, <=, >, >=, ==, !=")
        col, op, raw = m.groups()
        if col not in table.columns:
            raise ScenarioError(
                f"condition {clause!r}: unknown column {col!r}; have " + ", ".join(map(str, table.columns))
            )
        series = table[col]
        try:
            value: Any = float(raw)
            series = series.astype(float)
        except ValueError:
            value = raw.strip("'\"")
            series = series.astype(str)
        mask &= np.asarray(ops[op](series, value), dtype=bool)
    return mask


def default_condition(points: pd.DataFrame, metric: str) -> str:
    """Without --condition: the metric at or above its median across the points (the upper half), or above it
    when at least half the points share the top value (say, a probability that is 0 at most points)."""
    median = float(points[metric].median())
    cond = f"{metric} >= {median:.4g}"
    return cond if not parse_condition(cond, points).all() else f"{metric} > {median:.4g}"
