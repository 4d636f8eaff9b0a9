"""Read the model's state at the talks of chosen weeks (shared by bargaining_table.py and calibrate_positions.py).

``spy_talks`` runs a scenario in chunks of 10,000 replicates (the chunks of ``sim run --set chunk_size=10000``,
so the replicates are those of that run), with ``sim.processes.bargaining.round_of_talks`` wrapped: at each of
the weeks asked for, before the round, ``read(model, week)`` returns arrays of shape (R,), which are kept for
the replicates still active that week and concatenated over the chunks. The run stops after the last week asked
for (the readings do not depend on later weeks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

CHUNK = 10_000


def spy_talks(
    scenario: Path,
    n: int,
    weeks: Iterable[int],
    read: Callable[[Any, Any], dict[str, np.ndarray]],
    sets: Iterable[str] = (),
) -> dict[int, dict[str, np.ndarray]]:
    """{week: {name: values over the active replicates of every chunk}} for the weeks given."""
    from sim.model import PressureModel
    from sim.processes import bargaining as b
    from sim.scenario import load_scenario

    sc = load_scenario(scenario, list(sets))
    wanted = sorted(set(weeks))
    rows: dict[int, list[dict[str, np.ndarray]]] = {t: [] for t in wanted}
    original = b.round_of_talks

    def spy(m: Any, w: Any) -> None:
        if w.t in rows:
            a = np.asarray(m.active, dtype=bool)
            got = read(m, w)
            rows[w.t].append({k: np.broadcast_to(np.asarray(v), (m.n,))[a] for k, v in got.items()})
        original(m, w)

    b.round_of_talks = spy
    try:
        for chunk in range(max(1, -(-n // CHUNK))):
            model = PressureModel(sc, min(CHUNK, n - chunk * CHUNK), chunk)
            while model.week < min(max(wanted), model.horizon):
                model.step()
    finally:
        b.round_of_talks = original
    return {t: {k: np.concatenate([r[k] for r in rows[t]]) for k in rows[t][0]} for t in wanted if rows[t]}
