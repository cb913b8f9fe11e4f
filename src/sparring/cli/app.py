"""The `sparring` Typer application: every command registered in one place, from the module that renders it."""

from __future__ import annotations

import typer

from sparring.cli import calibration, compare, discover, evals, fidelity, init, reports, running, scenarios, view

app = typer.Typer(help="Test a customer-support chatbot against simulated customers, offline.", no_args_is_help=True)

app.command("run")(running.run)
app.command("report")(reports.report)
app.command("runs")(reports.runs)
app.command("show")(reports.show)
app.command("compare")(compare.compare)
app.command("noise")(compare.noise)
app.command("history")(reports.history_command)
app.command("gate")(reports.gate_command)
app.command("label")(calibration.label)
app.add_typer(calibration.labels_app, name="labels")
app.command("calibrate")(calibration.calibrate_command)
app.command("fidelity")(fidelity.fidelity)
app.add_typer(evals.evals_app, name="evals")
app.command("eval")(evals.eval_transcripts)
app.add_typer(scenarios.scenarios_app, name="scenarios")
app.command("view")(view.view)
app.command("init")(init.init)
app.command("discover")(discover.discover)
