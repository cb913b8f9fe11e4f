"""The pytest plugin, run through pytester against the demo suite, the stub HTTP server on 127.0.0.1 and a
real SQLite file: gates and evaluations become items whose outcomes are the library's gate results, failure
messages carry pass rates and failing conversations, -k selects (and narrows what is judged), --junitxml
and -m work, the sparring_run fixture shares the run, and bad input is one line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from sparring import Store, load_suite
from sparring.pytest_plugin.outcome import gate_results
from sparring.testing import StubServer
from sparring.testing.world import world_responder

pytest_plugins = ["pytester"]
QUIET = ["-p", "no:cacheprovider", "-p", "no:asyncio"]  # the inner runs need neither


def failing_judge(body):
    """The generic stub world, except that every LLM judge answers fail."""
    if ((body.get("response_format") or {}).get("json_schema") or {}).get("name") == "verdict":
        return {"content": json.dumps({"reasoning": "judged a failure on purpose", "verdict": "fail"})}
    return world_responder(body)


@pytest.fixture(scope="module")
def stub():
    with StubServer() as server:
        yield server


def sparring_args(example_suite, server, db, *more):
    return [
        *QUIET,
        "--sparring",
        str(example_suite.root),
        "--sparring-model",
        "openai:stub",
        "--sparring-base-url",
        server.base_url,
        "--sparring-scenarios",
        "3",
        "--sparring-db",
        str(db),
        *more,
    ]


def cases(junit_file):
    """testcase name -> failure message (None when it passed)."""
    root = ET.parse(junit_file).getroot()
    return {
        case.get("name"): (case.find("failure").get("message") if case.find("failure") is not None else None)
        for case in root.iter("testcase")
    }


def test_gates_and_evaluations_are_items_with_the_library_verdicts(pytester, example_suite, stub, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = pytester.path / "runs.db"
    result = pytester.runpytest(*sparring_args(example_suite, stub, db, "--junitxml", "out.xml"))
    got = cases(pytester.path / "out.xml")
    store = Store.open(str(db))
    [run] = store.list_runs(5)
    ids, summaries, gates = gate_results(example_suite, run, store)
    assert len(got) == len(gates) + len(ids) == 2 + len(example_suite.config.gates) + len(example_suite.evaluations)
    gate_cases = [name for name in got if name.startswith("gate[")]
    assert gate_cases[:2] == ["gate[errors]", "gate[informative]"]
    for name, gate in zip(gate_cases, gates, strict=True):
        assert (got[name] is None) == gate.passed, name
        assert gate.passed or got[name] == f"{gate.gate}: {gate.reason} ({gate.detail})"
    by_id = {s.evaluation_id: s for s in summaries}
    failed_gates = [g for g in gates if not g.passed]
    assert failed_gates, "the stub's judge fails a share of conversations: some gate should fail with 3 scenarios"
    for evaluation_id in ids:
        summary, message = by_id[evaluation_id], got[f"eval[{evaluation_id}]"]
        charged = any(evaluation_id in g.evaluation_ids for g in failed_gates) or summary.errors
        assert (message is not None) == bool(charged), evaluation_id
        if message:
            assert message.startswith(f"{evaluation_id}: pass rate {summary.rate_text()} (run {run.id})")
            assert f"{run.id}:" in message and "sparring show" in message, "a failing conversation is listed"
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == sum(m is not None for m in got.values()) and result.ret == 1
    rates = [f"{s.evaluation_id} *{s.rate_text()}" for s in summaries]
    result.stdout.fnmatch_lines(["*sparring pass rates (units: conversations)*", *rates])
    result.stdout.fnmatch_lines([f"sparring: run {run.id} (label *) stored in *runs.db*"])


def test_a_failing_judge_lists_the_failing_conversations_with_its_reasoning(pytester, example_suite, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer(failing_judge) as server:
        result = pytester.runpytest(
            *sparring_args(example_suite, server, pytester.path / "f.db", "-k", "hallucination or invented_policy")
        )
    # the family gate's failure is reported once, on the gate: the evaluation's own item passes (as in JUnit)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*gate[[]family_hallucination_pass_rate_95[]]*",
            "family hallucination: pass rate >= 95%: fail: the 95% upper bound *% is below 95% (0% (0/12) · 0 errored*",
        ]
    )


def test_k_selects_items_and_only_their_evaluations_are_judged(pytester, example_suite, stub, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = pytester.path / "k.db"
    args = sparring_args(example_suite, stub, db, "-k", "eval and professional_tone", "--sparring-label", "nightly")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1, deselected=1 + len(example_suite.evaluations) + len(example_suite.config.gates))
    run = Store.open(str(db)).get_run("nightly")
    assert run.evaluation_ids == ["professional_tone"] and len(run.scenario_ids) == 3


def test_marker_selects_the_suite_items_only(pytester, example_suite, stub, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    pytester.makepyfile(test_other="def test_unrelated():\n    pass\n")
    result = pytester.runpytest(*sparring_args(example_suite, stub, pytester.path / "m.db", "-m", "not sparring"))
    result.assert_outcomes(passed=1, deselected=2 + len(example_suite.config.gates) + len(example_suite.evaluations))


def test_the_fixture_gives_a_test_file_the_same_single_run(pytester, example_suite, stub, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    pytester.makeini("[pytest]\nsparring_suite = suites/demo\n")  # relative to the ini file
    (pytester.path / "suites").mkdir()
    (pytester.path / "suites" / "demo").symlink_to(example_suite.root)
    pytester.mkdir("elsewhere")
    monkeypatch.chdir(pytester.path / "elsewhere")
    pytester.makepyfile(
        test_bot="""
        def test_policy(sparring_run):
            assert sparring_run.pass_rate("no_invented_policy") is not None
            assert sparring_run.gates[0].gate.startswith("errors")

        def test_same_run(sparring_run):
            assert len(sparring_run.run.scenario_ids) == 3
            assert all(c.startswith(sparring_run.run.id) for c in sparring_run.failing("no_invented_policy"))
        """
    )
    args = sparring_args(example_suite, stub, pytester.path / "fx.db")
    del args[len(QUIET) : len(QUIET) + 2]  # the suite comes from the ini file
    result = pytester.runpytest(*args, str(pytester.path / "test_bot.py"))
    result.assert_outcomes(passed=2)
    assert len(Store.open(str(pytester.path / "fx.db")).list_runs(5)) == 1


def test_fixture_without_a_suite_fails_in_one_line(pytester):
    pytester.makepyfile(test_bot="def test_x(sparring_run):\n    pass\n")
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sparring run failed: no suite: pytest --sparring SUITE, or sparring_suite = SUITE*"])
    assert "Traceback" not in result.stdout.str()


def test_a_missing_suite_is_a_usage_error_of_one_line(pytester):
    result = pytester.runpytest(*QUIET, "--sparring", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sparring: nowhere*suite.yaml*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_scenario_count_below_one_is_a_usage_error(pytester, example_suite):
    result = pytester.runpytest(*QUIET, "--sparring", str(example_suite.root), "--sparring-scenarios", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sparring-scenarios 0: give at least 1"])


def test_a_bad_suite_file_names_file_and_line(pytester, suite_copy):
    (suite_copy / "suite.yaml").write_text((suite_copy / "suite.yaml").read_text() + "\nunknown_key: 1\n")
    result = pytester.runpytest(*QUIET, "--sparring", str(suite_copy))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sparring: *suite.yaml:*: unknown key 'unknown_key'*"])


def test_an_unreachable_model_fails_every_item_with_the_reason_once(pytester, example_suite, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer() as server:
        url = server.base_url  # closed when the block ends: nothing listens there any more
    args = sparring_args(example_suite, type("Dead", (), {"base_url": url})(), pytester.path / "d.db", "-k", "gate")
    result = pytester.runpytest(*args)
    result.assert_outcomes(failed=2 + len(example_suite.config.gates))
    # once per item (the short summary repeats it in full when pytest sees CI=true: leave those lines out)
    reasons = [
        line for line in result.stdout.lines if "sparring run failed: " in line and not line.startswith("FAILED")
    ]
    assert len(reasons) == 2 + len(example_suite.config.gates)
    assert "127.0.0.1" in result.stdout.str() and "Traceback" not in result.stdout.str()
    assert load_suite(example_suite.root)  # the suite itself was fine


def unreadable_judge(body):
    """The generic stub world, except that every LLM judge answers something that is not a verdict."""
    if ((body.get("response_format") or {}).get("json_schema") or {}).get("name") == "verdict":
        return {"content": "I would rather not say."}
    return world_responder(body)


def test_errored_verdicts_above_the_limit_fail_the_evaluation_and_say_so(pytester, example_suite, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer(unreadable_judge) as server:
        args = sparring_args(example_suite, server, pytester.path / "e.db", "-k", "eval and professional_tone")
        result = pytester.runpytest(*args)
    result.assert_outcomes(failed=1, deselected=1 + len(example_suite.evaluations) + len(example_suite.config.gates))
    result.stdout.fnmatch_lines(
        [
            "professional_tone: pass rate — (0/0) · 3 errored (run *)",
            "3 of 3 verdicts errored (100%), above max_error_rate 0%",
            "3 conversations failed or errored:",
            "  error  *:0  *",
        ]
    )


def test_a_suite_from_sparring_init_runs_under_the_plugin(pytester, stub, monkeypatch):
    from typer.testing import CliRunner

    from sparring.cli import app

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert CliRunner().invoke(app, ["init", str(pytester.path / "my-suite")]).exit_code == 0
    suite = load_suite(pytester.path / "my-suite")
    args = [*QUIET, "--sparring", "my-suite", "--sparring-model", "openai:stub", "--sparring-base-url", stub.base_url]
    result = pytester.runpytest(*args, "--sparring-db", "runs.db", "--collect-only", "-q")
    assert result.ret == 0
    assert result.outlines[:5] == [
        "my-suite::gate[errors]",
        "my-suite::gate[informative]",
        "my-suite::gate[family_tool_use_pass_rate_90]",
        "my-suite::gate[evaluation_no_invented_policy_pass_rate_80]",
        "my-suite::eval[write_after_lookup]",
    ]
    result = pytester.runpytest(*args, "--sparring-db", "runs.db")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 2 + 2 + len(suite.evaluations)
