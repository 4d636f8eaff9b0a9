"""Guarding results directories: what a writer may replace, and what a reader may trust.

Writers (``sim run``, ``sim sweep``, ``sim condition``): ``check_out_dir`` refuses, before any work, an --out
that exists without --force, that is not a directory, that is the working directory (or contains it), or that
Leverage did not write. ``--force`` replaces only a directory recognisable by its ``manifest.json`` (a JSON
object whose ``kind`` is one Leverage writes) or an empty one; anything else is refused with one line and not
touched, so a mistyped --out can never delete the user's own files.

Readers (``plot``, ``report``, ``trace``, ``score``, ``condition``, ``compare``): ``check_results_dir`` checks
a directory before anything reads it: its manifest is valid JSON, each Parquet file is a readable Parquet file
with the columns its readers need and the row count the manifest promises, and ``summary.json`` is JSON. A
damaged directory is refused with one line naming the file (exit status 2), instead of a traceback from deep
inside pyarrow.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sim.errors import RunError, ScenarioError

MANIFEST_FILE = "manifest.json"
# The ``kind`` of every manifest Leverage writes (sim/results.py, sim/sweep/run.py, sim/observe/conditioning.py,
# sim/calibrate/smc.py).
KINDS = ("run", "sweep", "conditioned", "calibration")

# Columns a reader of each file relies on; a file without them is damaged (or not Leverage's).
REQUIRED_COLUMNS = {
    "outcomes.parquet": ("replicate", "outcome", "week"),
    "weekly.parquet": ("week", "variable"),
    "trajectories.parquet": ("replicate", "week", "variable", "value"),
    "points.parquet": ("point", "replicates"),
}


def read_manifest_strict(path: Path) -> dict[str, Any] | None:
    """The manifest of directory ``path`` if it is a JSON object with a Leverage ``kind``, else None."""
    file = path / MANIFEST_FILE
    try:
        if not file.is_file():
            return None
        data = json.loads(file.read_bytes()[:10_000_000])
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    return data


def is_leverage_dir(path: Path) -> bool:
    """True when ``path`` is a directory Leverage wrote (recognisable by its manifest)."""
    return path.is_dir() and not path.is_symlink() and read_manifest_strict(path) is not None


def _refuse(where: str, message: str) -> RunError:
    return RunError(f"{where}: {message}")


def check_out_dir(out: Path, force: bool, *, hint: str = "pass --force to replace it") -> None:
    """Refuse (before any work, touching nothing) an --out that may not be written or replaced.

    Without ``force`` an existing path is refused. With ``force`` only a results directory Leverage wrote, or an
    empty directory, may be replaced."""
    check_out_path(out)
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink():
        raise _refuse(str(out), "is a symbolic link; choose another --out")
    if not out.is_dir():
        raise _refuse(str(out), "exists and is not a directory; choose another --out")
    if not force:
        raise _refuse(str(out), f"results directory exists; {hint}")
    if is_leverage_dir(out):
        return
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise _refuse(str(out), f"cannot read it ({exc.strerror or exc})") from None
    if not empty:
        raise _refuse(
            str(out),
            f"refusing to replace a directory Leverage did not write (no valid {MANIFEST_FILE}); --force "
            "replaces only results directories; nothing was touched",
        )


def check_out_path(out: Path) -> None:
    """Refuse an --out that cannot be a results directory whatever is in it: the working directory or one of its
    ancestors (it would be renamed away under the user), or a path through a regular file."""
    try:
        resolved = out.resolve()
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError) as exc:
        raise _refuse(str(out), f"cannot resolve the path ({exc})") from None
    if resolved == cwd or resolved in cwd.parents:
        raise _refuse(str(out), "is the working directory or contains it; choose a new subdirectory for --out")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise _refuse(str(out), f"{parent} is a file, not a directory; choose another --out")
            break
    for part in out.parts:
        if len(os.fsencode(part)) > 255:
            raise _refuse(
                str(out)[:80] + "...",
                f"a path component is {len(os.fsencode(part))} bytes long, over the file system's 255",
            )


# ---------------------------------------------------------------------------------------------------------
# Readers


def damaged(path: Path, why: str) -> ScenarioError:
    return ScenarioError(f"damaged results directory: {why}; rerun the command that wrote it", source=str(path))


def check_results_dir(path: str | Path, files: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a results directory before reading it and return its manifest ({} for a directory without one
    written by an old version). ``files``: the files this reader needs (each must exist and be intact);
    every Parquet file present is checked too. Raises ScenarioError (one line naming the file)."""
    path = Path(path)
    if not path.is_dir():
        raise ScenarioError("not a results directory (no such directory)", source=str(path))
    manifest: dict[str, Any] = {}
    mfile = path / MANIFEST_FILE
    if mfile.exists():
        manifest = read_json_object(mfile)
        if manifest.get("kind", "run") not in KINDS:
            raise damaged(mfile, f"unknown kind {str(manifest.get('kind'))[:20]!r}")
    for name in files:
        if not (path / name).exists():
            raise ScenarioError(f"not a results directory (missing {name})", source=str(path))
    for name, columns in REQUIRED_COLUMNS.items():
        file = path / name
        if file.exists():
            rows = check_parquet(file, columns)
            expect = _expected_rows(manifest, name)
            if expect is not None and rows != expect:
                raise damaged(file, f"{rows:,} rows where the manifest promises {expect:,}")
    for name in ("summary.json", "sensitivity.json"):
        if (path / name).exists():
            read_json_object(path / name)
    return manifest


def _expected_rows(manifest: dict[str, Any], name: str) -> int | None:
    kind = manifest.get("kind")
    value = None
    if name == "outcomes.parquet" and kind in ("run", "conditioned"):
        value = manifest.get("replicates")
    elif name == "points.parquet" and kind == "sweep" and manifest.get("status") != "running":
        value = manifest.get("points")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_json_object(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise damaged(file, "not a regular file")
    try:
        data = json.loads(file.read_bytes())
    except (ValueError, UnicodeDecodeError):
        raise damaged(file, "not valid JSON") from None
    if not isinstance(data, dict):
        raise damaged(file, "not a JSON object")
    return data


def check_parquet(file: Path, columns: tuple[str, ...] = ()) -> int:
    """The number of rows of a Parquet file, after checking that it is one (footer and schema readable, these
    columns present). Raises ScenarioError naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not file.is_file():
        raise damaged(file, "not a regular file")
    try:
        with pq.ParquetFile(file) as f:
            names = set(f.schema_arrow.names)
            rows = f.metadata.num_rows
    except (OSError, pa.ArrowException, ValueError, IndexError, KeyError, TypeError) as exc:
        raise damaged(file, f"not a readable Parquet file ({_first_line(exc)})") from None
    missing = [c for c in columns if c not in names]
    if missing:
        raise damaged(file, f"no column {missing[0]!r}")
    return int(rows)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:97] + "..."


def read_frame(file: Path, columns: list[str] | None = None) -> Any:
    """A Parquet file as a DataFrame; damage found only when the pages are decoded is one line too."""
    import pandas as pd
    import pyarrow as pa

    try:
        return pd.read_parquet(file, columns=columns)
    except (OSError, pa.ArrowException, ValueError, IndexError, KeyError, TypeError) as exc:
        raise damaged(file, f"not a readable Parquet file ({_first_line(exc)})") from None
