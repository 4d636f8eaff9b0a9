"""The identity of a sweep's parts, so that ``--resume`` never aggregates a wrong one.

Each part is named by its point and chunk (``point-000012.chunk-0003.parquet``), holds its point in a
``point`` column, and has the SHA-256 of its bytes recorded in ``parts.sha256`` beside ``parts/`` as the part
is written (the format of ``sha256sum``: ``sha256sum -c parts.sha256`` checks a sweep by hand). ``--resume``
keeps a part only if its digest is recorded under its own name and its bytes still match it; a truncated,
empty, edited or swapped part (one copied from another point or chunk, or from another sweep), or one whose
digest was never recorded (the sweep was killed between the two writes), is deleted and computed again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sim.errors import RunError

INDEX_FILE = "parts.sha256"
PARTS_DIR = "parts"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start_index(out: Path) -> None:
    """A new, empty index (a sweep that starts from nothing)."""
    (out / INDEX_FILE).write_bytes(b"")


def record(out: Path, name: str, data: bytes) -> None:
    """Append the digest of part ``name`` (written just before) to the index; one short line, flushed."""
    with (out / INDEX_FILE).open("a", encoding="ascii") as f:
        f.write(f"{digest(data)}  {PARTS_DIR}/{name}\n")
        f.flush()


def load_index(out: Path) -> dict[str, str]:
    """Part name -> recorded digest (the last record of a name wins; malformed lines, such as a line cut short
    by a kill, are ignored: their parts are then recomputed)."""
    file = out / INDEX_FILE
    if not file.is_file():
        return {}
    index: dict[str, str] = {}
    for line in file.read_bytes().decode("ascii", "replace").splitlines():
        hexdigest, sep, path = line.partition("  ")
        hexadecimal = len(hexdigest) == 64 and all(c in "0123456789abcdef" for c in hexdigest)
        if sep and hexadecimal and path.startswith(PARTS_DIR + "/"):
            index[path[len(PARTS_DIR) + 1 :]] = hexdigest
    return index


@dataclass
class Checked:
    good: set[str] = field(default_factory=set)
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (name, why)


def check_parts(out: Path, expected: set[str]) -> Checked:
    """Sort the parts on disk that the sweep expects into good ones and damaged ones (deleted here, so that
    they are computed again). Parts the sweep does not expect are ignored (never aggregated)."""
    parts = out / PARTS_DIR
    if parts.exists() and not parts.is_dir():
        raise RunError(f"{parts}: not a directory: the sweep's results are damaged; pass --force to start over")
    index = load_index(out)
    result = Checked()
    for path in sorted(parts.glob("point-*.parquet")):
        name = path.name
        if name not in expected:
            continue
        why = None
        if not path.is_file() or path.is_symlink():
            why = "not a regular file"
        elif name not in index:
            why = "no digest recorded"
        elif digest(path.read_bytes()) != index[name]:
            why = "its bytes differ from those written"
        if why is None:
            result.good.add(name)
        else:
            result.damaged.append((name, why))
            if path.is_dir() and not path.is_symlink():
                raise RunError(f"{path}: a directory where a part should be; remove it or pass --force")
            path.unlink()
    return result
