"""`sparring view`: the local web viewer over the store."""

from __future__ import annotations

from typing import Annotated

import typer

from sparring.cli.common import DbOption, err, open_store

LOCAL = "127.0.0.1"


def view(
    db: DbOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on; anything but 127.0.0.1 exposes your data")] = LOCAL,
) -> None:
    """Browse runs, conversations, comparisons and history, and label conversations, in a local web app."""
    import uvicorn

    from sparring.viewer import create_app

    store = open_store(db)
    if host != LOCAL:
        err.print(
            f"[bold yellow]warning:[/] listening on {host}: anyone who can reach this address can read every "
            "transcript and write labels (there is no login).",
            highlight=False,
        )
    print(f"Sparring viewer on http://{host}:{port}/ over {store.url} (Ctrl-C to stop)")
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning")
