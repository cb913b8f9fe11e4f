"""The `sparring` Typer application. Every command is listed here with its module and its help line, and its
module is imported only when that command runs, so `sparring --help` and light commands start fast (scipy,
scikit-learn, SQLAlchemy and the runner are loaded by the commands that use them)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer
import typer.main
from typer import _click as click  # Typer's own Click (vendored): the classes its groups are typed with
from typer.core import TyperCommand, TyperGroup

# name -> (module, attribute: a command function or a Typer sub-application, its help line as the module has it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("running", "run", "Simulate conversations, judge them, store everything, print pass rates."),
    "report": (
        "reports",
        "report",
        "Print a stored run's pass rates again, with corrected rates and calibration warnings.",
    ),
    "runs": (
        "runs",
        "runs_app",
        "List stored runs: the chatbot's pass rate with errors beside it, the simulator's own checks apart "
        "(`sparring runs delete RUN` deletes one).",
    ),
    "show": (
        "reports",
        "show",
        "Print one conversation: turns, the simulator's analysis, tool calls, verdicts with reasoning.",
    ),
    "compare": (
        "compare",
        "compare",
        "Per evaluation: pass rates, difference with 95% CI, p and BH q, verdict, pass/fail/inconclusive vs margin.",
    ),
    "noise": (
        "compare",
        "noise",
        "Noise floor: per evaluation, flipped scenarios, pass-rate spread, detectable drop, trials for 5 and 10 "
        "points.",
    ),
    "history": (
        "reports",
        "history_command",
        "Pass rate per evaluation across the suite's completed runs, oldest first; dips marked ▼.",
    ),
    "gate": (
        "reports",
        "gate_command",
        "Check a stored run against the suite's gates: exit 1 when one fails, 3 when one is inconclusive.",
    ),
    "label": (
        "calibration",
        "label",
        "Label conversations in the terminal: transcript, tool calls and policy, then pass/fail and a note. The "
        "judge's verdict is not shown, so it cannot anchor you. Each label is saved as you go.",
    ),
    "labels": ("calibration", "labels_app", "Human labels: import and export."),
    "calibrate": (
        "calibration",
        "calibrate_command",
        "Run the judge on the labelled conversations; agreement, κ, misses and false flags with 95% CIs.",
    ),
    "fidelity": (
        "fidelity",
        "fidelity",
        "Realism report: simulated vs real conversations side by side, vocabulary overlap, and a classifier "
        "two-sample test (50% accuracy: a classifier cannot tell simulated customers from real ones).",
    ),
    "evals": ("evals", "evals_app", "The evaluation library and a suite's own evaluations."),
    "eval": (
        "evals",
        "eval_transcripts",
        "Judge real (production) transcripts with a suite's evaluations and store them as a run, so offline and "
        "online pass rates compare with `sparring compare`. Checks that need the mock backend are n/a.",
    ),
    "rejudge": (
        "rejudge",
        "rejudge",
        "Judge a stored run's conversations again (new or changed evaluations, another judge model) without "
        "simulating anything; stored as a new run, so `sparring compare RUN NEW` shows what changed.",
    ),
    "scenarios": ("scenarios", "scenarios_app", "Scenarios from historical transcripts."),
    "import": ("importers", "import_app", "Make a suite from another benchmark's data (τ²-bench: import tau2)."),
    "view": (
        "view",
        "view",
        "Browse runs, conversations, comparisons and history, and label conversations, in a local web app.",
    ),
    "export-html": (
        "export_html",
        "export_html",
        "Write a run's viewer pages (run, conversations, comparison, history) as static files: open DIR/index.html.",
    ),
    "init": ("init", "init", "Write a minimal suite skeleton that runs as it is: edit it for your own support bot."),
    "discover": (
        "discover",
        "discover",
        "Find the failures no evaluation covers: describe every unhappy or failed conversation, group the "
        "descriptions into themes, mark the ones existing evaluations cover, and draft evaluations for the rest.",
    ),
}


def load_command(name: str) -> click.Command:
    """The real Click command of `name`: its module imported, its function (or sub-application) built."""
    module, attribute, _ = COMMANDS[name]
    target: Any = getattr(import_module(f"sparring.cli.{module}"), attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists every command from `COMMANDS` (name and help line, nothing imported); loads one when it runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, (_, _, help_line) in COMMANDS.items():
            self.commands[name] = TyperCommand(name, help=help_line)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command named in `args`, loaded for real."""
        name, command, rest = super().resolve_command(ctx, args)
        if name in COMMANDS and command is self.commands[name]:
            command = self.commands[name] = load_command(name)
        return name, command, rest


app = typer.Typer(
    cls=LazyGroup, help="Test a customer-support chatbot against simulated customers, offline.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """Test a customer-support chatbot against simulated customers, offline."""
