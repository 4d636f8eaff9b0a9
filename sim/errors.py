"""One exception family. The CLI maps ScenarioError (bad input) to exit status 2."""


def printable(text: str) -> str:
    """One line of printable text: a control character from the input (a NUL or a newline in a name, an
    escape sequence) is shown as its escape, so an error message is always one line and cannot move the
    terminal's cursor."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] if ch.isascii() else f"\\u{ord(ch):04x}" for ch in text)


class SimError(Exception):
    """Base class of every error Leverage raises on purpose."""


class ScenarioError(SimError):
    """A scenario, sweep or observations file, or a command-line value, is not what was expected.

    The message is one line naming the file, the field path and what was expected.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None) -> None:
        self.source = source
        self.field = field
        parts = [p for p in (source, field) if p]
        super().__init__(printable(": ".join([*parts, message])))


class RunError(SimError):
    """A run could not complete (for example, its results directory exists and --force was not given)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) arrived: shut down as after Ctrl-C (the CLI installs the handler)."""


# Exit statuses (README "Exit status"): 0 done; 1 a run or sweep failed (see its message); 2 bad input or a
# path the user chose that cannot be written; 3 sim condition's low effective sample size; 4 the environment
# failed (disk full, quota, I/O error, too many open files, out of memory); 130 Ctrl-C; 143 SIGTERM.
EXIT_USER = 2
EXIT_ENVIRONMENT = 4

# errno values that say the chosen path is the problem (exit 2), against the environment (exit 4).
_PATH_ERRNOS = {"EROFS", "EACCES", "EPERM", "ENOTDIR", "ENAMETOOLONG", "EEXIST", "EISDIR", "ELOOP", "ENOENT", "EXDEV"}
_PATH_ERRNOS |= {"ENOTEMPTY", "EBUSY", "ETXTBSY", "EINVAL"}


def _errno(exc: OSError) -> int | None:
    import re

    if exc.errno:
        return exc.errno
    m = re.search(r"errno (\d+)", str(exc), re.IGNORECASE)
    return int(m.group(1)) if m else None


def with_path(exc: OSError, path: object) -> OSError:
    """``exc`` naming ``path`` (what was being written) when it names no file itself."""
    import os

    code = _errno(exc)
    return OSError(code, os.strerror(code), str(path)) if code else OSError(None, str(exc), str(path))


def describe_os_error(exc: OSError) -> tuple[int, str]:
    """An operating-system error as (exit status, one line naming the path and the cause)."""
    import errno as errno_mod
    import os
    import re

    text = str(exc)
    code = _errno(exc)
    cause = os.strerror(code) if code else (exc.strerror or text.splitlines()[0] if text else type(exc).__name__)
    path = exc.filename
    if path is None:
        m = re.search(r"'([^']+)'", text)
        path = m.group(1) if m else None
    name = errno_mod.errorcode.get(code, "") if code else ""
    where = f"{os.fsdecode(path)}: " if path is not None else ""
    if exc.filename2 is not None:
        where = f"{os.fsdecode(path)} -> {os.fsdecode(exc.filename2)}: "
    if name in _PATH_ERRNOS:
        return EXIT_USER, f"{where}{cause[:200]} (choose another path; nothing was left half-written)"
    return EXIT_ENVIRONMENT, f"{where}{cause[:200]} (the system, not the input: free space or resources and rerun)"
