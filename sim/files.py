"""Writing results so that no reader ever sees half of them: files and directories are written under a
temporary sibling name and renamed into place (``os.replace`` and ``os.rename`` are atomic on one file
system), and an interrupted write leaves only the temporary, which is removed or, for a sweep's parts, swept
up by ``--resume`` (the pattern ``.*.tmp-*``).

The one writer of every results file: ``write_atomic`` (bytes), ``atomic_file`` (anything that writes to a
path, such as ``Figure.savefig``), ``atomic_dir`` (a whole results directory) and ``json_bytes`` (the JSON
every results file uses). Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.errors import with_path

TMP_GLOB = ".*.tmp-*"  # what a killed writer leaves behind


def tmp_sibling(path: Path) -> Path:
    """The temporary name of ``path`` while it is written: hidden, per process, with the same suffix (so a
    writer that infers the format from the suffix, such as matplotlib, still can)."""
    return path.parent / f".{path.name}.tmp-{os.getpid()}{path.suffix}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def fresh_tmp(path: Path) -> Path:
    """A new, empty temporary file beside ``path`` under an unpredictable name, created exclusively
    (``mkstemp``: O_CREAT | O_EXCL), so a symbolic link planted at a guessable name is never written through.
    The name matches ``TMP_GLOB`` and keeps the suffix; permissions as an ordinary new file's."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_UMASK)
    return Path(name)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed."""
    tmp = fresh_tmp(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a reader (or a resumed sweep) never sees half a file."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def check_out_dir(out: Path, force: bool) -> None:
    """Refuse (before any work) to overwrite an existing results directory without --force, and with --force
    anything Leverage did not write (sim/resultsdir.py)."""
    from sim.resultsdir import check_out_dir as check

    check(out, force)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def sweep_stale(out: Path) -> list[Path]:
    """Remove the temporary directories ``.<name>.tmp-<pid>`` of ``out`` left by processes that no longer
    exist (killed with SIGKILL, or a machine that went down), and return them. Only that exact pattern with
    a dead process id: a live writer's directory, ``out`` itself and a ``.<name>.old-<pid>`` (a finished
    results directory being replaced) are never touched."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.tmp-(\d+)")
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    for path in out.parent.iterdir():
        m = pattern.fullmatch(path.name)
        pid = int(m.group(1)) if m else 0
        if m and pid != os.getpid() and path.is_dir() and not path.is_symlink() and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_dir(out: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success rename it to ``out`` (replacing the old one only with
    ``force``), on any failure or interruption remove it, so ``out`` is never half-written. Temporary
    directories of dead writers of ``out`` are swept first (``sweep_stale``)."""
    check_out_dir(out, force)
    made = [p for p in (out.parent, *out.parent.parents) if not p.exists()]  # removed again on failure
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(out)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except BaseException:
        remove_empty(made)
        raise
    try:
        yield tmp
        if out.exists():
            trash = out.parent / f".{out.name}.old-{os.getpid()}"
            os.rename(out, trash)
            os.rename(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        remove_empty(made)
        if isinstance(exc, OSError) and exc.filename is None:  # pyarrow and matplotlib name no file
            raise with_path(exc, out) from exc
        raise


def remove_empty(dirs: list[Path]) -> None:
    """Remove these directories (innermost first) where they are still empty: a failed write leaves no trace."""
    for d in dirs:
        with contextlib.suppress(OSError):
            d.rmdir()


def json_bytes(obj: Any, *, strict: bool = False) -> bytes:
    """JSON as every results file writes it: indented, one trailing newline, anything else by ``str``. With
    ``strict`` numpy scalars become Python numbers and non-finite floats null (standard JSON has no NaN)."""
    return (json.dumps(_plain(obj) if strict else obj, indent=2, default=str) + "\n").encode("utf-8")


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    item = getattr(obj, "item", None)  # a numpy scalar (without importing numpy here)
    if item is not None and callable(item) and type(obj).__module__ == "numpy":
        obj = item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
