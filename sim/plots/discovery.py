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


def _peel_candidates(x: np.ndarray, inside: np.ndarray, alpha: float) -> list[tuple[int, str, float, np.ndarray]]:
    """Every admissible peel of the current box: (dimension, 'lo'|'hi', new limit, new membership). A peel
    removes the alpha share of the box's points at one end of one dimension, at least one point and whole ties
    (so discrete parameters peel one value at a time)."""
    out = []
    idx = np.flatnonzero(inside)
    k = max(1, int(math.floor(alpha * idx.size)))
    for j in range(x.shape[1]):
        v = np.sort(x[idx, j])
        if v[0] == v[-1]:
            continue
        lo = v[k] if v[k] > v[0] else v[v > v[0]][0]
        hi = v[-1 - k] if v[-1 - k] < v[-1] else v[v < v[-1]][-1]
        out.append((j, "lo", float(lo), inside & (x[:, j] >= lo)))
        out.append((j, "hi", float(hi), inside & (x[:, j] <= hi)))
    return out


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
    tolerance: float = 0.01,
    prune: float = 0.02,
) -> PrimResult:
    """Patient Rule Induction Method: peel ``alpha`` of the points off one end of one dimension at a time,
    always the peel that leaves the densest box, until the box holds less than ``min_mass`` of the points.

    The chosen box is, among the boxes that keep at least ``min_coverage`` of the cases of interest, the one
    with the highest coverage whose density is within ``tolerance`` of the best density (the usual
    scenario-discovery trade-off: near-maximal density, as much coverage as that allows). Then each restriction
    whose lifting costs at most ``prune`` of density is lifted, least valuable first. No pasting.
    """
    cols = list(x.columns)
    values = x.to_numpy(dtype=float)
    target = np.asarray(y, dtype=bool)
    if values.shape[0] != target.size or target.size == 0:
        raise ScenarioError("PRIM needs as many outcomes as points, and at least one point")
    if not target.any():
        raise ScenarioError("PRIM: the condition holds for no point; nothing to discover")
    total, n = int(target.sum()), target.size
    data_limits = {c: (float(values[:, j].min()), float(values[:, j].max())) for j, c in enumerate(cols)}
    limits = dict(data_limits)
    inside = np.ones(n, dtype=bool)

    def box() -> PrimBox:
        restricted = tuple(c for c in cols if limits[c] != data_limits[c])
        k = int(target[inside].sum())
        return PrimBox(dict(limits), k / total, k / int(inside.sum()), float(inside.mean()), restricted)

    trajectory = [box()]
    while True:
        best = None
        for j, side, limit, members in _peel_candidates(values, inside, alpha):
            m = int(members.sum())
            if m == 0 or m / n < min_mass:
                continue
            density = target[members].sum() / m
            key = (density, m)
            if best is None or key > best[0]:
                best = (key, j, side, limit, members)
        if best is None:
            break
        _, j, side, limit, inside = best
        lo, hi = limits[cols[j]]
        limits[cols[j]] = (limit, hi) if side == "lo" else (lo, limit)
        trajectory.append(box())
    eligible = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage] or [0]
    top = max(trajectory[i].density for i in eligible)
    near = [i for i in eligible if trajectory[i].density >= top - tolerance]
    chosen = max(near, key=lambda i: (trajectory[i].coverage, -len(trajectory[i].restricted), -i))
    # Lift, one at a time, the restrictions worth less than ``prune`` of density (the density lost when that
    # restriction alone is lifted): peeling on a few points picks up restrictions that only fit noise.
    limits = dict(trajectory[chosen].limits)

    def stats(lim: dict[str, tuple[float, float]]) -> tuple[np.ndarray, float]:
        keep = np.ones(n, dtype=bool)
        for j, c in enumerate(cols):
            keep &= (values[:, j] >= lim[c][0]) & (values[:, j] <= lim[c][1])
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
