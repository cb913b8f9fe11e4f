"""Iterations from the command line: trials, compare, history chart, gates, JUnit, cost limit, dry run."""

import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.cli import app
from sparring.data_model import RunStatus
from sparring.runner.cost import estimate_conversation
from sparring.runner.roles import model_settings
from sparring.suite import load_suite

runner = CliRunner(env={"COLUMNS": "200"})
SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[1] / "fixtures" / "junit.xsd")
EVALS = ["no_invented_policy", "professional_tone", "refund_only_when_eligible", "high_value_escalated"]


def world_failing_tone_on(scenarios: set[str]):
    """The scripted world, with the tone judge failing on the given scenarios (named in the brief's facts)."""

    def reply(request):
        if request.schema_name == "verdict" and "rude, sarcastic, dismissive" in request.messages[-1].content:
            failing = any(s in request.messages[-1].content for s in scenarios)
            return {"reasoning": "scripted", "verdict": "fail" if failing else "pass"}
        return world_reply(request)

    return reply


async def labelled_run(suite, store, label, reply, **extra):
    pool = ModelPool()
    pool.add(ScriptedModel(reply, "scripted:world"))
    options = RunOptions(
        label=label, evaluation_ids=EVALS, cache=False, models=RoleOverrides(model="scripted:world"), **extra
    )
    return await run_suite(suite, store, options, pool)


async def test_compare_history_chart_gate_and_junit(example_suite, suite_copy, tmp_path):
    db = tmp_path / "it.db"
    store = Store.open(str(db))
    orders = ["O-2001", "O-2002", "O-2003", "O-3001", "O-3002", "O-4001", "O-4002", "O-5001", "O-6002"]
    await labelled_run(example_suite, store, "v1", world_failing_tone_on(set()))
    await labelled_run(example_suite, store, "v2", world_failing_tone_on(set(orders)))

    compared = runner.invoke(app, ["compare", "v1", "v2", "--db", str(db)])
    assert compared.exit_code == 0, compared.output
    tone = next(line for line in compared.output.splitlines() if line.startswith("│ professional_tone"))
    assert "regressed" in tone
    assert compared.output.count("│ regression ") == 9 and "sparring show" in compared.output

    chart = tmp_path / "history.png"
    shown = runner.invoke(app, ["history", str(example_suite.root), "--plot", str(chart), "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    assert "▼" in shown.output and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5000
    svg = tmp_path / "history.svg"
    assert runner.invoke(app, ["history", "food-delivery", "--plot", str(svg), "--db", str(db)]).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()

    suite_yaml = suite_copy / "suite.yaml"
    suite_yaml.write_text(
        suite_yaml.read_text() + "  - no_regression_vs: v1\n  - evaluation: professional_tone\n    min_pass_rate: 0.5\n"
    )
    junit = tmp_path / "out" / "junit.xml"
    gated = runner.invoke(app, ["gate", str(suite_copy), "v2", "--junit", str(junit), "--db", str(db)])
    assert gated.exit_code == 1, gated.output
    assert "no regression beyond 5 points vs v1" in gated.output and "FAIL" in gated.output
    assert "Holm-adjusted across 4 evaluations" in gated.output.replace("\n", " ").replace("│", " ").replace("  ", " ")
    SCHEMA.validate(str(junit))
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    run_level = {name for name, c in cases.items() if c.get("classname") == "sparring.food-delivery.run"}
    gate_level = {name for name, c in cases.items() if c.get("classname") == "sparring.food-delivery.gate"}
    assert set(cases) - run_level - gate_level == set(EVALS) and len(gate_level) == 4, "the suite's 2 gates + 2 added"
    assert [cases[name].find("error") for name in run_level] == [None, None], "the run-level checks passed"
    assert cases["all: no regression beyond 5 points vs v1"].find("failure") is not None, "the gate carries it"
    assert cases["professional_tone"].find("failure") is not None
    assert cases["refund_only_when_eligible"].find("failure") is None

    suite_yaml.write_text(suite_yaml.read_text().replace("no_regression_vs: v1", "no_regression_vs: v0-never-run"))
    no_baseline = runner.invoke(app, ["gate", str(suite_copy), "v1", "--db", str(db)])
    assert no_baseline.exit_code == 1 and "no baseline to compare with" in no_baseline.output

    passing = runner.invoke(app, ["gate", str(example_suite.root), "v1", "--db", str(db)])
    missing_baseline = runner.invoke(app, ["gate", str(suite_copy), "v1", "--db", str(tmp_path / "empty.db")])
    assert missing_baseline.exit_code == 2 and "no run with id or label 'v1'" in missing_baseline.output
    # 24/24 and 24/26 over 24 scenarios cannot show 95% and 90%: the suite's own gates are inconclusive (exit 3)
    assert passing.exit_code == 3 and "inconclusive: 95% lies inside the 95% interval" in passing.output


async def test_trials_report_pass_hat_k_and_flaky(example_suite, tmp_path):
    db = tmp_path / "t.db"
    store = Store.open(str(db))
    calls = {"n": 0}

    def alternating(request):
        if request.schema_name == "verdict" and "rude, sarcastic, dismissive" in request.messages[-1].content:
            calls["n"] += 1
            return {"reasoning": "coin", "verdict": "pass" if calls["n"] % 2 else "fail"}
        return world_reply(request)

    result = await labelled_run(example_suite, store, "k3", alternating, scenario_ids=["late-40min-fee"], trials=3)
    assert result.conversations == 3
    report = runner.invoke(app, ["report", "k3", "--db", str(db)])
    assert report.exit_code == 0 and "Repeated trials (k = 3)" in report.output
    trials_table = report.output.split("Repeated trials (k = 3)")[1]
    row = next(line for line in trials_table.splitlines() if line.startswith("│ professional_tone"))
    assert "late-40min-fee" in row, "mixed outcomes across trials are listed as flaky"


async def test_cost_limit_stops_cleanly_with_whole_conversations(suite_copy, tmp_path):
    suite_yaml = suite_copy / "suite.yaml"
    text = (
        suite_yaml.read_text()
        .replace("max_turns: 6", "max_turns: 1")
        .replace("max_tool_rounds: 3", "max_tool_rounds: 0")
    )
    text = text.replace(
        "openai:gpt-4o: {input: 2.50, output: 10.00}",
        "openai:gpt-4o: {input: 2.50, output: 10.00}\n    scripted:world: {input: 1000, output: 1000}",
    )
    suite_yaml.write_text(text)
    suite = load_suite(suite_copy)
    limit = 30.0
    settings = model_settings(suite, RoleOverrides(model="scripted:world"))
    upper_bound = sum(e.cost_usd for e in estimate_conversation(suite, settings, 1, 2).values())
    assert upper_bound < limit, "premise: the first conversation is admitted"
    store = Store.open(str(tmp_path / "c.db"))
    result = await labelled_run(suite, store, "budget", world_reply, max_cost_usd=limit, concurrency=1)
    run = result.run
    stored = store.conversation_count(run.id)
    assert run.status == RunStatus.STOPPED and 0 < stored < len(suite.scenarios)
    assert sum(run.cost_usd.values()) <= limit
    assert len(store.verdicts(run.id)) == stored * len(EVALS), "nothing half-written"
    assert result.conversations == stored


def test_dry_run_estimates_and_writes_nothing(example_suite, tmp_path):
    db = tmp_path / "never.db"
    result = runner.invoke(
        app,
        [
            "run",
            str(example_suite.root),
            "--dry-run",
            "--scenarios",
            "4",
            "--model",
            "openai:gpt-4o",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Dry run: 4 conversations" in result.output and "estimated cost at most US$" in result.output
    assert "no price" not in result.output
    assert not db.exists()
