"""`sparring view`: the local web viewer over the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sparring.cli.common import DbOption, err, fail, open_store

if TYPE_CHECKING:
    from sparring.suite import Suite

LOCAL = "127.0.0.1"
ANY_ADDRESS = ("0.0.0.0", "::")


def view(
    db: DbOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on; anything but 127.0.0.1 exposes your data")] = LOCAL,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="another host name browsers may use to reach the viewer (repeatable); "
            "127.0.0.1, localhost, [::1] and --host are always allowed",
        ),
    ] = None,
    suite: Annotated[
        list[Path] | None,
        typer.Option(
            "--suite",
            help="a suite folder (repeatable): its runs' pages show the gates' decision and scenario briefs",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="processes serving pages (default: one per CPU, at most 4; 1 off Linux)"),
    ] = None,
) -> None:
    """Browse runs, conversations, comparisons and history, and label conversations, in a local web app."""
    from sparring.viewer import checked_host_name, create_app, serve

    try:
        allowed = [checked_host_name(name) for name in allow_host or []]
    except ValueError as exc:
        raise fail(str(exc)) from exc
    suites = load_suites(suite or [])
    store = open_store(db)
    if host != LOCAL:
        err.print(
            f"[bold yellow]warning:[/] listening on {host}: anyone who can reach this address can read every "
            "transcript and write labels (there is no login).",
            highlight=False,
        )
    if host in ANY_ADDRESS and not allowed:
        err.print(
            f"[bold yellow]note:[/] browsers must reach it by a name given with --allow-host: on {host} the "
            "viewer answers only to 127.0.0.1, localhost and [::1] otherwise.",
            highlight=False,
        )
    print(f"Sparring viewer on http://{host}:{port}/ over {store.url} (Ctrl-C to stop)")
    try:
        serve(create_app(store, host=host, allowed_hosts=allowed, suites=suites), store, host, port, workers)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def load_suites(folders: list[Path]) -> dict[str, Suite]:
    """The suites in `folders` by name, or one clear error line and exit 2."""
    from sparring.suite import SuiteError, load_suite

    try:
        loaded = [load_suite(folder) for folder in folders]
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    return {s.config.name: s for s in loaded}
