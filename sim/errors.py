"""One exception family. The CLI maps ScenarioError (bad input) to exit status 2."""


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
        super().__init__(": ".join([*parts, message]))


class RunError(SimError):
    """A run could not complete (for example, its results directory exists and --force was not given)."""
