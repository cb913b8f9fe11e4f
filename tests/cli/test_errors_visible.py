"""Errors are never invisible: a chatbot that crashes on most conversations never gets a green gate or JUnit."""

import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import EndReason, ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.cli import app

runner = CliRunner(env={"COLUMNS": "250"})
SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[1] / "fixtures" / "junit.xsd")
EVALS = ["no_invented_policy", "professional_tone", "refund_only_when_eligible", "high_value_escalated"]
_answered: set[str] = set()


class CrashingBot:
    """A chatbot under test that answers the first conversation it sees and raises in every other one."""

    async def respond(self, messages, tools) -> str:
        opening = messages[0].content
        if _answered and opening not in _answered:
            raise RuntimeError("chatbot crashed")
        _answered.add(opening)
        return "Sorry about that. I have checked your order and passed it to a colleague."


async def crashing_run(suite, db: Path) -> str:
    """10 conversations at concurrency 1: the first answered, 9 crash. Returns the run id."""
    _answered.clear()
    pool = ModelPool()
    pool.add(ScriptedModel(world_reply, "scripted:world"))
    options = RunOptions(
        label="crashy",
        scenarios=10,
        evaluation_ids=EVALS,
        cache=False,
        concurrency=1,
        models=RoleOverrides(model="scripted:world", agent="cli.test_errors_visible:CrashingBot"),
    )
    result = await run_suite(suite, Store.open(str(db)), options, pool)
    return result.run.id


async def test_a_chatbot_crashing_on_9_of_10_fails_gate_and_junit(example_suite, tmp_path):
    db = tmp_path / "crash.db"
    run_id = await crashing_run(example_suite, db)
    store = Store.open(str(db))
    ends = [c.end_reason for c in store.conversations(run_id)]
    assert ends.count(EndReason.ERROR) == 9 and len(ends) == 10, "premise: 9 of 10 conversations errored"

    junit = tmp_path / "junit.xml"
    gated = runner.invoke(app, ["gate", str(example_suite.root), "crashy", "--junit", str(junit), "--db", str(db)])
    assert gated.exit_code == 1, gated.output  # today: exit 0, "pass 100.0% (2/2)"
    policy = next(line for line in gated.output.splitlines() if "family policy" in line)
    assert "FAIL" in policy and "· 18 errored" in policy and "above max_error_rate 0%" in policy
    run_check = next(line for line in gated.output.splitlines() if line.startswith("│ errors"))
    assert "FAIL" in run_check and "9 of 10 conversations errored (90%)" in run_check

    SCHEMA.validate(str(junit))
    suite_element = ET.parse(junit).getroot().find("testsuite")
    assert suite_element is not None
    cases = {c.get("name"): c for c in suite_element.iter("testcase")}
    assert all(cases[e].find("error") is not None for e in EVALS), "every evaluation: errored verdicts above budget"
    [run_case] = [c for name, c in cases.items() if name and name.startswith("errors")]
    assert run_case.find("error") is not None and run_case.get("classname") == "sparring.food-delivery.run"
    gates = [c for c in cases.values() if c.get("classname") == "sparring.food-delivery.gate"]
    assert len(gates) == len(example_suite.config.gates) and all(g.find("error") is not None for g in gates)
    # every evaluation, the run-level errors check and both family gates (errored verdicts above the budget)
    assert suite_element.get("errors") == str(len(EVALS) + 1 + len(gates))
    assert suite_element.get("tests") == str(len(EVALS) + 2 + len(gates)), "+ errors and informative checks"


async def test_max_error_rate_tolerates_what_the_suite_allows(suite_copy, tmp_path):
    from sparring.suite import load_suite

    suite_yaml = suite_copy / "suite.yaml"
    suite_yaml.write_text(suite_yaml.read_text() + "max_error_rate: 0.95\n")
    db = tmp_path / "tolerant.db"
    await crashing_run(load_suite(suite_copy), db)
    gated = runner.invoke(app, ["gate", str(suite_copy), "crashy", "--db", str(db)])
    run_check = next(line for line in gated.output.splitlines() if line.startswith("│ errors"))
    assert "pass" in run_check and "9 of 10 conversations errored" in run_check
    policy = next(line for line in gated.output.splitlines() if "family policy" in line)
    assert "· 18 errored" in policy, "errors are shown even when tolerated"


async def test_run_report_and_runs_show_errors_beside_every_rate(example_suite, tmp_path):
    db = tmp_path / "shown.db"
    await crashing_run(example_suite, db)
    report = runner.invoke(app, ["report", "crashy", "--db", str(db)])
    assert report.exit_code == 0, report.output
    row = next(line for line in report.output.splitlines() if line.startswith("│ professional_tone"))
    assert "· 9 errored" in row
    assert "10 conversations, 9 errored" in report.output.replace("\n", " ")
    listing = runner.invoke(app, ["runs", "--db", str(db)])
    assert "10 · 9 errored" in listing.output and "· 36 errored" in listing.output
