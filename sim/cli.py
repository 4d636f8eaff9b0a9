"""The ``sim`` command line: a thin layer over the library. User errors exit with status 2 and one line."""

from __future__ import annotations

import importlib
import signal
import sys
import threading

import click

from sim.commands import COMMAND_MODULES
from sim.errors import RunError, ScenarioError, SimError, Terminated, describe_os_error


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="leverage-sim", prog_name="sim")
@click.option(
    "--allow-outside-paths",
    is_flag=True,
    help="Let extends: and a sweep's base: name files outside the named file's directory and the working "
    "directory (refused by default).",
)
def cli(allow_outside_paths: bool) -> None:
    """Leverage: a scenario simulator of negotiation pressure in the Russia-Ukraine war (16 Oct 2025).

    Run a scenario file, sweep parameters, and read outcome distributions: how likely a settlement is, when,
    on what terms, and how likely collapse, escalation or a war still going at the horizon.
    """
    from sim.scenario import yamlio

    yamlio.ALLOW_OUTSIDE_PATHS = allow_outside_paths


def _register() -> None:
    """Every command comes from a module of sim/commands/ (``COMMAND_MODULES``), which lists it in its
    ``COMMANDS``: a new command is a function in one of them (or a new module added to the tuple)."""
    for module in COMMAND_MODULES:
        for command in importlib.import_module(f"sim.commands.{module}").COMMANDS:
            cli.add_command(command)


_register()


def _one_line(exc: click.ClickException) -> str:
    """The parser's error on one line: the command, the problem and where to find help (not click's usage
    block)."""
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        return f"{ctx.command_path}: {msg} (see {ctx.command_path} --help)"
    return msg


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM and SIGHUP: shut down as after Ctrl-C (temporary files removed, one line); a second signal while
    that runs is ignored, so the clean-up finishes."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print one line and exit 2; no traceback (exit statuses: sim/errors.py)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        _main(argv)
    finally:
        for sig, handler in previous.items():  # the caller's handlers back (tests call main in process)
            signal.signal(sig, handler)


def _main(argv: list[str] | None) -> None:
    try:
        # without standalone mode click returns (does not raise) the code of ctx.exit()
        code = cli.main(args=argv, prog_name="sim", standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # `sim` alone: the help, as with --help
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"error: {_one_line(exc)}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:  # click turns KeyboardInterrupt into Abort
        if isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated):
            click.echo("terminated: nothing was written", err=True)
            sys.exit(143)
        click.echo("interrupted: nothing was written", err=True)
        sys.exit(130)
    except OSError as exc:  # a full disk, a read-only --out, a name too long: one line, not a traceback
        code, message = describe_os_error(exc)
        click.echo(f"error: {message}", err=True)
        sys.exit(code)
    except (ScenarioError, RunError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SimError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
