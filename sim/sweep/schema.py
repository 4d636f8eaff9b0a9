"""The sweep file's schema (pydantic): a base scenario, a sampler, the swept parameters or an explicit list of
points, replicates per point, a seed and the metrics (docs/sweeps.md). What the schema alone cannot check is
in ``sim.sweep.spec``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.fields import Finite, Integer, Label, Text
from sim.sweep.metrics import DEFAULT_METRICS

SAMPLERS = ("grid", "lhs", "sobol", "morris", "list")


Scalar = bool | int | float | Label | None
MAX_PARAMETERS = 100
MAX_POINTS = 100_000
MAX_VALUES = 100_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Parameter(_Strict):
    """One swept parameter. Give ``values`` (a list), or a range ``low``/``high`` (with ``num`` evenly spaced
    values in a grid), or ``from_base: true`` to move through the base scenario's own distribution at this path
    (its inverse CDF). ``scale: log`` spaces a range geometrically; ``integer: true`` rounds (weeks)."""

    values: list[Scalar] | None = Field(None, min_length=1, max_length=MAX_VALUES)
    low: Finite | None = None
    high: Finite | None = None
    num: Integer | None = Field(None, ge=2, le=100_000)
    scale: Literal["linear", "log"] = "linear"
    from_base: bool = False
    integer: bool = False


class SweepFile(_Strict):
    name: Label | None = Field(None, min_length=1, max_length=100)
    description: Text = ""
    question: Text = ""
    # Scenario discovery's condition of interest (sim plot), e.g. "p_settlement_by_26 >= 0.5".
    discovery: Label = ""
    base: Label = Field(min_length=1)
    set: dict[Label, Any] = Field(default_factory=dict)
    sampler: Literal["grid", "lhs", "sobol", "morris", "list"]
    samples: Integer | None = Field(None, ge=1, le=10_000_000)
    parameters: dict[Label, Parameter] = Field(default_factory=dict, max_length=MAX_PARAMETERS)
    points: list[dict[Label, Scalar]] = Field(default_factory=list, max_length=MAX_POINTS)
    replicates: Integer = Field(ge=1, le=100_000_000)
    seed: Integer | None = Field(None, ge=0, le=2**63 - 1)
    chunk_size: Integer | None = Field(None, ge=1, le=1_000_000)
    metrics: list[Label] = Field(default_factory=lambda: list(DEFAULT_METRICS), min_length=1, max_length=1_000)
    second_order: bool | None = None
    levels: Integer | None = Field(None, ge=2, le=100)
    resamples: Integer = Field(1000, ge=10, le=100_000)

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_values(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"values": p} if isinstance(p, list) else p) for k, p in v.items()}
        return v
