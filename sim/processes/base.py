"""What a process is: an object that declares what it obeys, reads, writes and passes on, and steps one week.

A process is scheduled only when every switch it names is on (``sim.model.SCHEDULE`` holds MODEL.md's order);
a switched-off process is absent, and the flows it would have produced keep the model's defaults. A process
reads state and levers through the week (``Week.read``, ``Week.lever``), writes new state into it
(``Week.write``), and sets its flows as attributes of the week; ``tests/test_processes_contract.py`` runs every
process on an instrumented week and checks that what it touches is exactly what it declares.

Agents' decisions that a process needs (each belligerent's value of war, the terms it accepts) are methods of
the agents, reached through the model (``m.russia``, ``m.ukraine``) as the protocols below describe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

if TYPE_CHECKING:
    from sim.params import Params
    from sim.scenario import Switches
    from sim.state import Constants
    from sim.week import Week


class Belligerent(Protocol):
    """Russia or Ukraine as the negotiation process sees it."""

    def weekly_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """Its cost of a week of fighting (shares of the territory): this week's, or the expected average
        over its planning horizon."""
        ...

    def denial_cost(self, m: Model, w: Week) -> np.ndarray:
        """This week's cost of denial: military pressure on its forces and their logistics."""
        ...

    def punishment_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """This week's (or the expected) cost of punishment: strikes on its population's energy and cities."""
        ...

    def war_value(self, m: Model, w: Week) -> np.ndarray:
        """Its value of fighting on over its planning horizon, from its own belief, costs and resolve."""
        ...

    def reservation(self, m: Model, w: Week, war_value: np.ndarray) -> np.ndarray:
        """The worst terms it accepts (Russia: the least share it takes; Ukraine: the most it concedes)."""
        ...

    def accepts(self, m: Model, w: Week, offer: np.ndarray, reservation: np.ndarray) -> np.ndarray:
        """Whether it accepts ``offer`` (terms as Russia's share), per replicate."""
        ...


class Model(Protocol):
    """What processes and agents' decisions see of the model."""

    n: int
    p: Params
    const: Constants
    switches: Switches
    active: np.ndarray
    tracing: bool
    trace_index: int

    @property
    def russia(self) -> Belligerent: ...

    @property
    def ukraine(self) -> Belligerent: ...

    def note(self, kind: str, text: str) -> None:
        """A note for the traced replicate's story (``sim trace``)."""
        ...

    def expect(self, name: str, w: Week) -> np.ndarray:
        """State variable ``name`` as expected over the planning horizon (its process's projection, or this
        week's value when that process is switched off)."""
        ...


class Process:
    """One of the week's processes. Subclasses declare:

    - ``name``: the process's name (levers' channels name it);
    - ``switches``: the scenario switches it obeys (all must be on for it to run);
    - ``reads`` / ``writes``: state variables it reads (``Week.read``) and writes (``Week.write``);
    - ``levers``: the levers it reads, as ``agent.lever``;
    - ``flows_in`` / ``flows_out``: the week's flows (``sim.week.FLOWS``) it takes and passes on;
    - ``projects``: state variables whose expected value over the planning horizon it provides (``project``).
    """

    name: ClassVar[str] = ""
    switches: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    levers: ClassVar[tuple[str, ...]] = ()
    flows_in: ClassVar[tuple[str, ...]] = ()
    flows_out: ClassVar[tuple[str, ...]] = ()
    projects: ClassVar[tuple[str, ...]] = ()

    def step(self, m: Model, w: Week) -> None:
        raise NotImplementedError

    def project(self, m: Model, w: Week, name: str) -> np.ndarray:
        raise NotImplementedError(f"process {self.name!r} projects no {name!r}")

    def __repr__(self) -> str:
        return f"<process {self.name}>"
