"""`sparring import`: suites made from other benchmarks (τ²-bench)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sparring.cli.common import console, fail

import_app = typer.Typer(
    help="Make a suite from another benchmark's data (τ²-bench: import tau2).", no_args_is_help=True
)


@import_app.command("tau2")
def tau2(
    domain: Annotated[
        str,
        typer.Argument(
            help="airline, retail, telecom or mock (from the installed tau2), or a τ² domain folder "
            "(banking_knowledge: τ²-bench's data/tau2/domains/banking_knowledge)"
        ),
    ],
    out: Annotated[Path, typer.Option(help="the new suite's folder (must not exist, or be empty)")],
) -> None:
    """Turn a τ²-bench domain (tasks, policy, database, tools) into a suite scored by τ²'s own reward."""
    from sparring.importers import Tau2ImportError, load_domain, write_suite

    try:
        loaded = load_domain(domain)
        write_suite(loaded, out)
    except Tau2ImportError as exc:
        raise fail(str(exc)) from exc
    console.print(f"wrote {out}: {len(loaded.tasks)} scenarios from τ²-bench's {loaded.name} domain")
