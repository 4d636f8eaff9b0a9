"""Where a result came from: package versions, the git commit of the code, and the manifest that records them
(standard library only)."""

from __future__ import annotations

import contextlib
import datetime as dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("leverage-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def now() -> str:
    """The current UTC time, to the second, as manifests record it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def manifest(
    kind: str, fields: dict[str, Any], *, command: str | None = None, packages: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The one manifest builder: ``kind`` (run, sweep, conditioned), the caller's ``fields``, then the
    provenance every results directory records: the command line, the git commit, package versions (with
    ``packages`` beyond the core ones) and the time it was created."""
    extra = {}
    for pkg in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            extra[pkg] = metadata.version(pkg)
    return {
        "kind": kind,
        **fields,
        "command": command or " ".join(sys.argv),
        "git_commit": git_commit(),
        "versions": {**versions(), **extra},
        "created": now(),
    }


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest.json of a results directory, or an empty mapping when it has none."""
    from sim.resultsdir import read_json_object

    file = Path(path) / "manifest.json"
    if not file.exists():
        return {}
    return read_json_object(file)  # a damaged manifest: one line naming it, not a traceback
