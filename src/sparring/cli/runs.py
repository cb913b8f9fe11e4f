"""`sparring runs`: list stored runs (the listing itself is `cli/reports.py`'s), and `sparring runs delete RUN`."""

from __future__ import annotations

from typing import Annotated

import typer

from sparring.cli.common import DbOption, JsonOption, console, fail, open_store, stored_run
from sparring.cli.reports import runs

runs_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 20,
    suite: Annotated[str | None, typer.Option(help="only runs of this suite (its name)")] = None,
    label: Annotated[str | None, typer.Option(help="only runs with this label")] = None,
    agent: Annotated[str | None, typer.Option(help="only runs of this agent (HTTP/Python target, else model)")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored runs: the chatbot's pass rate with errors beside it, the simulator's own checks apart
    (`sparring runs delete RUN` deletes one)."""
    if ctx.invoked_subcommand is None:
        runs(db, limit, suite, label, as_json, agent)


@runs_app.command("delete")
def delete(
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    yes: Annotated[bool, typer.Option("--yes", help="delete without asking")] = False,
    db: DbOption = None,
) -> None:
    """Delete a run with its conversations and verdicts (human labels are kept)."""
    from sparring.store import RunLeased

    store = open_store(db)
    run = stored_run(store, run_ref)
    question = f"delete run {run.id} ({run.label}, suite {run.suite}) and its conversations and verdicts?"
    if not yes and not typer.confirm(question):
        raise fail("nothing deleted", code=1)
    try:
        deleted = store.delete_run(run.id)
    except RunLeased as exc:
        raise fail(str(exc)) from exc
    kept = f"; {deleted.labels_kept} human labels kept" if deleted.labels_kept else ""
    console.print(
        f"deleted run {run.id} ({run.label}) and {deleted.conversations} conversations{kept}", highlight=False
    )
