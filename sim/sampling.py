"""Parameters as the model uses them: a scenario's numbers stay floats, its distributions become arrays of one
draw per replicate, each from a stream of its own keyed by the parameter's dotted path (so making one more
parameter uncertain reshuffles no other draw).

The result keeps the scenario's types: ``params.oil`` is an ``OilParams``, so a misspelt coefficient in the
model is a type error. Groups are built with ``model_construct`` (no validation: the scenario was validated
once at the edge, and a field now holds an array where the schema allows a distribution).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import seeds
from sim.distributions import DIST_TYPES
from sim.params import Initial, Params, iter_params

if TYPE_CHECKING:
    from sim.scenario import Scenario


@dataclass(frozen=True)
class Sample:
    """The parameters and initial values of one chunk's replicates, and the drawn ones by dotted path."""

    params: Params
    initial: Initial
    drawn: dict[str, np.ndarray]


def sample_parameters(scenario: Scenario, n: int, chunk: int, point: int | None = None) -> Sample:
    """Draw every parameter given as a distribution, once per replicate, at week 0."""
    drawn: dict[str, np.ndarray] = {}
    groups: dict[str, dict[str, Any]] = {}
    for path, value, _extra, _doc in iter_params(scenario.params, "params") + iter_params(scenario.initial, "initial"):
        if isinstance(value, DIST_TYPES):
            u = seeds.generator(scenario.seed, chunk, "params", point=point, extra=seeds.path_key(path)).random(n)
            value = drawn[path] = np.asarray(value.ppf(u), dtype=float)
        *_, group, name = path.split(".")
        groups.setdefault("initial" if path.startswith("initial.") else group, {})[name] = value
    params = Params.model_construct(
        **{
            group: type(getattr(scenario.params, group)).model_construct(**fields)
            for group, fields in groups.items()
            if group != "initial"
        }
    )
    return Sample(params, Initial.model_construct(**groups["initial"]), drawn)
