"""``sim explore``: serve the lever explorer (a Streamlit page) for a scenario, on this machine only by default."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path

import click

APP = Path(__file__).resolve().parent.parent / "explore" / "app.py"
EXTRA_HINT = "the explorer needs the 'explore' extra: pip install -e '.[explore]' (or run `make explore`)"


def streamlit_command(scenario: Path, host: str, port: int) -> list[str]:
    """The command that serves the page: headless, no usage statistics, no file watcher, no CDN (Streamlit
    serves its own front end from the installed package)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--",
        str(scenario),
    ]


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to serve on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. The default serves this machine only; 0.0.0.0 exposes the page to your network "
    "(deliberately: it has no authentication).",
)
@click.option(
    "--replicates",
    "-n",
    type=click.IntRange(100, 100_000),
    help="The page's starting replicate count [the scenario's, at most 10,000].",
)
def explore(scenario: str, port: int, host: str, replicates: int | None) -> None:
    """Serve the lever explorer for SCENARIO at http://HOST:PORT.

    \b
    Every lever of every agent, the scheduled events, the policies and the uncertain parameters can be changed
    on the page; on each change the outcome distribution is re-run (a fast pass of 2,000 replicates, then the
    full count) paired with SCENARIO under common random numbers. "Save as YAML" writes a scenario that
    `extends:` SCENARIO with exactly the changes made; `sim run` on it reproduces the page's numbers.
    Needs the optional extra: pip install -e '.[explore]' (make explore installs it). Stop with Ctrl-C.
    """
    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    path = Path(scenario)
    load_scenario(path)  # a bad file is one line and exit 2 here, not an error on the page
    if importlib.util.find_spec("streamlit") is None:
        raise ScenarioError(EXTRA_HINT)
    try:
        socket.getaddrinfo(host, port)
    except OSError:
        raise ScenarioError(f"--host {host!r}: not an address of this machine") from None
    if not _port_free(host, port):
        raise ScenarioError(f"--port {port}: already in use on {host}; choose another with --port")
    cmd = streamlit_command(path.resolve(), host, port)
    click.echo(f"Leverage explorer for {path} at http://{host}:{port}  (Ctrl-C stops it)", err=True)
    env = dict(os.environ, LEVERAGE_EXPLORE_SCENARIO=str(path.resolve()))
    if replicates is not None:
        env["LEVERAGE_EXPLORE_REPLICATES"] = str(replicates)
    os.execve(cmd[0], cmd, env)  # Streamlit takes over this process: signals reach it directly


COMMANDS = (explore,)
