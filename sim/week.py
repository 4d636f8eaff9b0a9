"""One week in the making: its random draws, this week's levers, the flows processes pass on, and the state
they wrote.

A process never writes the model's state directly: it reads through the week (``read``: the value as of its
place in the schedule, i.e. what an earlier process wrote this week, else last week's) and writes into it
(``write``). The model then commits what was written, where the replicate is still active, in one generic
loop, so a new state variable cannot be left out of the freeze. Flows are the week's quantities that are not
state (Tomahawks delivered this week, whether Russia won the week, the mediator's offer): a process declares
the flows it takes (``flows_in``) and passes on (``flows_out``); a flow whose producer is switched off keeps
the default the model gives it (none happened: zeros; the offer: the last one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.state import State

# Every flow of the week, with what it is. Processes declare theirs by these names (the contract test checks).
FLOWS: dict[str, str] = {
    "summit": "a scheduled summit takes place this week (events)",
    "salvo_extra": "drone-equivalents of scheduled salvos this week (events)",
    "tomahawks": "Tomahawks delivered and used this week (the US's decision)",
    "india_target": "the Russian share India aims for this week (India's decision)",
    "aid_eu": "Europe's military aid this week, x Oct 2025, with what it replaces of a US cut (Europe's decision)",
    "salvo": "a random massive salvo this week",
    "salvo_any": "a salvo, random or scheduled, hit Ukraine this week",
    "hits_ua": "Ukrainian deep-strike hits on Russian refineries this week (drones and Tomahawks)",
    "russia_won": "Russia won this week's fighting",
    "front": "the front at the end of this week's fighting (share held by Russia)",
    "escalate": "the terminal escalation happens this week",
    "talks": "a round of talks is held this week",
    "offer": "the mediator's offer in this week's round (the last one if none)",
    "settle": "both sides accepted this week's offer",
}


class Week:
    """The week ``t``: noise drawn from every stream (full chunk shape), levers after policies and events,
    flows, and the state written so far (``new``)."""

    # flows (FLOWS); a flow is set by its producer or, when that is switched off, by the model's default
    summit: np.ndarray
    salvo_extra: np.ndarray
    tomahawks: np.ndarray
    india_target: np.ndarray
    aid_eu: np.ndarray
    salvo: np.ndarray
    salvo_any: np.ndarray
    hits_ua: np.ndarray
    russia_won: np.ndarray
    front: np.ndarray
    escalate: np.ndarray
    talks: np.ndarray
    offer: np.ndarray
    settle: np.ndarray

    def __init__(
        self,
        t: int,
        state: State,
        noise: dict[str, np.ndarray],
        levers: dict[str, dict[str, np.ndarray]],
        defaults: dict[str, np.ndarray],
    ) -> None:
        self.t = t
        self.state = state
        self.noise = noise
        self.levers = levers
        self.new: dict[str, np.ndarray] = {}
        # Quantities computed once while nothing they depend on can change (the round of talks: ``memoised``).
        self.memo: dict[Any, Any] | None = None
        for name, value in defaults.items():
            setattr(self, name, value)

    def read(self, name: str) -> np.ndarray:
        """State variable ``name`` as of this point of the week: written this week if it was, else last week's."""
        new = self.new.get(name)
        return getattr(self.state, name) if new is None else new

    def write(self, name: str, value: np.ndarray) -> None:
        """This week's new value of state variable ``name`` (committed where the replicate is still active)."""
        self.new[name] = value

    def lever(self, agent: str, name: str) -> np.ndarray:
        """Lever ``name`` of ``agent`` this week (after policies and events)."""
        return self.levers[agent][name]


def memoised[T](w: Any, key: Any, compute: Callable[[], T]) -> T:
    """``compute()``, once for ``key`` while the week ``w`` keeps a memo (``w.memo``, a dict, set by the round of
    talks for its duration: nothing it depends on, state, flows or levers, changes then); else computed afresh.
    The value is shared between callers, who must not change it in place."""
    memo = getattr(w, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]
