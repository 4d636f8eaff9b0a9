"""The weekly recorder: fixed-bin histograms and sums of every reported state variable, outcome counts, and
the trajectories kept for every replicate.

Histograms are additive across chunks, so weekly quantiles are identical whatever the number of workers, and
cheap: one bincount a week for every variable and both scopes (active at the end of the week, ended).
"""

from __future__ import annotations

import numpy as np

from sim.names import N_BINS, OUTCOMES, STATE_VARIABLES, VARIABLE_NAMES

_LO = np.array([v[0] for v in STATE_VARIABLES.values()])
_HI = np.array([v[1] for v in STATE_VARIABLES.values()])
_SCALE = N_BINS / (_HI - _LO)


class WeeklyRecorder:
    """Records weeks 0..horizon of one chunk of ``n`` replicates."""

    def __init__(self, n: int, horizon: int, keep: tuple[str, ...] = ()) -> None:
        weeks = horizon + 1
        v = len(VARIABLE_NAMES)
        self.n = n
        # scope 0 = replicates active at the end of the week, scope 1 = ended ones ("all" is their sum).
        self.hist = np.zeros((weeks, 2, v, N_BINS), dtype=np.int32)
        self.sums = np.zeros((weeks, 2, v))
        self.n_active = np.zeros(weeks, dtype=np.int64)
        self.outcome_counts = np.zeros((weeks, len(OUTCOMES)), dtype=np.int64)
        # bin index of variable i's value x in the flat histogram: i*N_BINS + clip((x - lo_i) * scale_i)
        self._bin_scale = _SCALE[:, None]
        self._bin_shift = (np.arange(v) * N_BINS - _LO * _SCALE)[:, None]
        self._bin_first = (np.arange(v) * N_BINS)[:, None].astype(float)
        self._bin_last = self._bin_first + (N_BINS - 1)
        # Ended replicates are frozen, so their histogram only grows by the replicates ending each week.
        self._ended_hist = np.zeros(v * N_BINS, dtype=np.int64)
        self._ended_sums = np.zeros(v)
        self._ended_count = 0
        self._was_active = np.ones(n, dtype=bool)
        self._bin_buf = np.empty((v, n))
        self._bin_idx = np.empty((v, n), dtype=np.intp)
        self.trajectories = {name: np.zeros((weeks, n), dtype=np.float32) for name in keep}

    def _histogram(self, values: np.ndarray) -> np.ndarray:
        # Full-width calls reuse preallocated buffers: fresh 1.8 MB temporaries twice a week cost glibc an
        # mmap/munmap pair each and ~1,000 page faults a week at R = 10,000 (benchmarks/README.md).
        full = values.shape == self._bin_buf.shape
        idx = np.multiply(values, self._bin_scale, out=self._bin_buf if full else None)
        idx += self._bin_shift
        np.clip(idx, self._bin_first, self._bin_last, out=idx)
        if full:
            np.copyto(self._bin_idx, idx, casting="unsafe")
            flat = self._bin_idx.ravel()
        else:
            flat = idx.astype(np.intp).ravel(order="K")
        return np.bincount(flat, minlength=len(VARIABLE_NAMES) * N_BINS)

    def record(self, week: int, S: np.ndarray, active: np.ndarray, outcome: np.ndarray, state: object) -> None:
        """Record the end of ``week``: ``S`` holds the reported variables (rows), ``state`` the trajectories'."""
        t, act, v = week, active, len(VARIABLE_NAMES)
        newly = self._was_active & ~act
        if newly.any():
            ended = S[:, newly]
            self._ended_hist += self._histogram(ended)
            self._ended_sums += ended.sum(axis=1)
            self._ended_count += ended.shape[1]
            self._was_active = act.copy()
        # Every replicate's histogram minus the ended ones' is exactly the active replicates' histogram.
        self.hist[t, 0] = (self._histogram(S) - self._ended_hist).reshape(v, N_BINS)
        self.hist[t, 1] = self._ended_hist.reshape(v, N_BINS)
        self.sums[t, 0] = S.sum(axis=1) - self._ended_sums
        self.sums[t, 1] = self._ended_sums
        self.n_active[t] = self.n - int(self._ended_count)
        self.outcome_counts[t] = np.bincount(outcome, minlength=len(OUTCOMES))
        for name, arr in self.trajectories.items():
            arr[t] = getattr(state, name)
