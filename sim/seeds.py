"""Seed derivation: one independent stream per (sweep point, chunk, process).

Streams come from ``SeedSequence(root, spawn_key=key)`` built from the key alone, never from the stateful
``SeedSequence.spawn()``: a resumed sweep or a different number of workers must rebuild exactly the same
generators. By default the sweep point is left out of the key (common random numbers), so replicate i of every
scenario sees the same noise in each process and differences between scenarios are paired.
"""

from __future__ import annotations

import zlib

import numpy as np

# Stream identifiers: stable integers, never reordered (changing one changes every result).
STREAMS: dict[str, int] = {
    "params": 1,
    "events": 2,
    "policies": 3,
    "oil": 4,
    "strikes": 5,
    "battle": 6,
    "escalation": 7,
    "negotiation": 8,
    "front": 9,
    "market": 10,
    "concession": 11,
    "europe": 12,
}


def path_key(path: str) -> int:
    """A stable 32-bit key for a dotted parameter path (its own stream: adding one uncertain parameter
    does not reshuffle the draws of the others)."""
    return zlib.crc32(path.encode("utf-8"))


def generator(
    root: int, chunk: int, stream: str, *, point: int | None = None, extra: int | None = None
) -> np.random.Generator:
    """The generator of one process stream for one chunk (and, without common random numbers, one point)."""
    key: list[int] = [] if point is None else [int(point)]
    key += [int(chunk), STREAMS[stream]]
    if extra is not None:
        key.append(int(extra))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(root), spawn_key=tuple(key))))
