"""Parameter distributions, drawn once per replicate at week 0 by inverse CDF of the parameter's own stream.

Every distribution maps a uniform draw u in (0, 1) to a value (``ppf``), so a parameter always consumes exactly
one uniform per replicate whatever its family: switching a parameter from uniform to triangular does not
change how many numbers its stream yields.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.fields import Extended, Finite

MAX_CHOICES = 10_000


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def mean(self) -> float:
        raise NotImplementedError


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _range(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low}) must be below high ({self.high})")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * u

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)


class Normal(_Dist):
    """Normal(mean, sd), truncated to [low, high] (exactly, by inverse CDF, not by clipping). ``low`` and
    ``high`` may be infinite (``-.inf``, ``.inf``: an open side, the default); every other field is finite."""

    dist: Literal["normal"] = "normal"
    mean_: Finite = Field(alias="mean")
    sd: Finite = Field(gt=0)
    low: Extended = -math.inf
    high: Extended = math.inf

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True, allow_inf_nan=False
    )

    @model_validator(mode="after")
    def _range(self) -> Normal:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low}) must be below high ({self.high})")
        a, b = self._cdf_bounds()
        if not b - a > 1e-12:
            raise ValueError("the bounds leave no probability mass: widen low/high or move the mean")
        return self

    def _cdf_bounds(self) -> tuple[float, float]:
        from scipy import special

        return (
            float(special.ndtr((self.low - self.mean_) / self.sd)),
            float(special.ndtr((self.high - self.mean_) / self.sd)),
        )

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special

        a, b = self._cdf_bounds()
        x = self.mean_ + self.sd * special.ndtri(a + (b - a) * u)
        return np.clip(x, self.low, self.high)

    def mean(self) -> float:
        from scipy import stats

        lo, hi = (self.low - self.mean_) / self.sd, (self.high - self.mean_) / self.sd
        return float(stats.truncnorm.mean(lo, hi, loc=self.mean_, scale=self.sd))


class Triangular(_Dist):
    """Triangular on [low, high] with its mode."""

    dist: Literal["triangular"] = "triangular"
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _range(self) -> Triangular:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie in [low, high]")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        c = (self.mode - self.low) / (self.high - self.low)
        return stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0


class BetaDist(_Dist):
    """Beta(a, b) rescaled to [low, high]."""

    dist: Literal["beta"] = "beta"
    a: Finite = Field(gt=0)
    b: Finite = Field(gt=0)
    low: Finite = 0.0
    high: Finite = 1.0

    @model_validator(mode="after")
    def _range(self) -> BetaDist:
        if not self.low < self.high:
            raise ValueError(f"empty range: low ({self.low}) must be below high ({self.high})")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special

        return self.low + (self.high - self.low) * special.betaincinv(self.a, self.b, u)

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)


class Choice(_Dist):
    """One of ``values``, with optional ``weights`` (normalised)."""

    dist: Literal["choice"] = "choice"
    values: list[Finite] = Field(min_length=1, max_length=MAX_CHOICES)
    weights: list[Finite] | None = Field(None, max_length=MAX_CHOICES)

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have as many entries as values")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def _cum(self) -> np.ndarray:
        w = np.asarray(self.weights if self.weights is not None else [1.0] * len(self.values), dtype=float)
        return np.cumsum(w / w.sum())

    def ppf(self, u: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self._cum(), u, side="right")
        return np.asarray(self.values, dtype=float)[np.minimum(idx, len(self.values) - 1)]

    def mean(self) -> float:
        w = np.diff(np.concatenate([[0.0], self._cum()]))
        return float(np.dot(w, self.values))


Dist = Annotated[Uniform | Normal | Triangular | BetaDist | Choice, Field(discriminator="dist")]
DIST_TYPES = (Uniform, Normal, Triangular, BetaDist, Choice)
DIST_NAMES = ("uniform", "normal", "triangular", "beta", "choice")


def describe(value: float | _Dist) -> str:
    """A short human form: ``0.5`` or ``U(0.51, 0.57)``."""
    if isinstance(value, Uniform):
        return f"U({value.low:g}, {value.high:g})"
    if isinstance(value, Normal):
        return f"N({value.mean_:g}, {value.sd:g}) in [{value.low:g}, {value.high:g}]"
    if isinstance(value, Triangular):
        return f"Tri({value.low:g}, {value.mode:g}, {value.high:g})"
    if isinstance(value, BetaDist):
        return f"Beta({value.a:g}, {value.b:g}) on [{value.low:g}, {value.high:g}]"
    if isinstance(value, Choice):
        return "one of " + ", ".join(f"{v:g}" for v in value.values)
    return f"{value:g}"
