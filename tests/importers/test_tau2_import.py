"""`sparring import tau2`: a τ² domain becomes a suite (scenarios with the new fields, τ²'s data, a backend that is
τ²'s environment, τ²'s reward as a check); bad sources are one line naming file and task, and write nothing."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests
import yaml

from sparring.backend import Backend, BackendDataError
from sparring.data_model import AgentTurn, Conversation, CustomerTurn, EndReason, Scenario, ToolCall
from sparring.evaluations.check_functions import CheckContext, check_info
from sparring.importers.tau2_backend import Tau2Backend, Tau2BackendFactory
from sparring.importers.tau2_domain import Tau2ImportError, installed_folder, load_domain
from sparring.importers.tau2_suite import write_suite
from sparring.suite.config import SuiteConfig
from tau2_trajectories import gold_calls


def sparring(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line, in a fresh process."""
    command = [sys.executable, "-m", "sparring.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def retail_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sparring import tau2 retail --out DIR`, run for real."""
    out = tmp_path_factory.mktemp("imported") / "retail-suite"
    result = sparring("import", "tau2", "retail", "--out", str(out), cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert "114 scenarios" in result.stdout
    return out


def test_the_suite_holds_every_task_as_a_valid_scenario(retail_suite: Path) -> None:
    scenarios = yaml.safe_load((retail_suite / "scenarios" / "retail.yaml").read_text())
    tasks = json.loads((installed_folder("retail") / "tasks.json").read_text())
    assert [s["id"] for s in scenarios] == [f"retail-{t['id']}" for t in tasks]
    parsed = [Scenario.model_validate(s) for s in scenarios]
    first, gold = parsed[0], tasks[0]["evaluation_criteria"]["actions"]
    assert first.situation.startswith("You received your order #W2378156")
    assert first.customer_rules == [tasks[0]["user_scenario"]["instructions"]["task_instructions"]]
    assert first.expected_actions is not None and [a.tool for a in first.expected_actions.actions] == [
        a["name"] for a in gold
    ]
    assert first.expected_state is not None and first.expected_state.replay_expected_actions
    communicating = next(s for s, t in zip(parsed, tasks, strict=True) if t["evaluation_criteria"]["communicate_info"])
    assert communicating.must_communicate
    config = SuiteConfig.model_validate(yaml.safe_load((retail_suite / "suite.yaml").read_text()))
    assert (retail_suite / config.policy).read_text() == (installed_folder("retail") / "policy.md").read_text()
    for name in ("tasks.json", "db.json"):
        assert (retail_suite / "tau2" / "retail" / name).read_bytes() == (
            installed_folder("retail") / name
        ).read_bytes()


def _module(file: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"generated_{file.stem}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _conversation(backend: Tau2Backend, calls: list[ToolCall], end: EndReason) -> Conversation:
    records = [backend.execute(call) for call in calls]
    turns = [CustomerTurn(content="Hi, I want to exchange two items."), AgentTurn(content="Done.", tool_calls=records)]
    return Conversation(id="r:retail-0:0", run_id="r", scenario_id="retail-0", turns=turns, end_reason=end)


def test_the_generated_backend_and_reward_check_judge_a_conversation(retail_suite: Path) -> None:
    """The suite's backend.py factory gives τ²'s environment behind the Backend protocol; the suite's tau2_reward
    check passes the gold conversation and fails one without its exchange, or one cut short."""
    factory = _module(retail_suite / "backend.py").factory
    check = _module(retail_suite / "evaluations" / "tau2_reward.py").tau2_reward
    assert check_info(check) is not None
    scenario = Scenario.model_validate(yaml.safe_load((retail_suite / "scenarios" / "retail.yaml").read_text())[0])
    gold = gold_calls(factory.task("retail-0"))
    outcomes = []
    for calls, end in ((gold, EndReason.RESOLVED), (gold[:-1], EndReason.RESOLVED), (gold, EndReason.MAX_TURNS)):
        backend = factory(scenario, datetime.now(UTC))
        assert isinstance(backend, Backend)
        conversation = _conversation(backend, calls, end)
        ctx = CheckContext(conversation, scenario, policy="", initial_state={}, now=datetime.now(UTC))
        outcomes.append(asyncio.run(check(ctx)).outcome.value)  # the check is async (it may ask a judge)
    assert outcomes == ["pass", "fail", "fail"]


def test_backend_answers_as_tau2_does() -> None:
    """Specs are τ²'s schemas; a refused call comes back as the record's error; a write changes the digest."""
    domain = load_domain("retail")
    backend = Tau2Backend(domain)
    assert {s.name for s in backend.specs()} == set(domain.tool_names)
    assert Tau2BackendFactory(domain).specs() == backend.specs()
    refused = backend.execute(ToolCall(id="1", name="get_order_details", arguments={"order_id": "#W0"}))
    assert refused.error == "Error: Order not found" and refused.result is None
    before = backend.digest()
    cancel = {"order_id": "#W1267569", "reason": "no longer needed"}
    done = backend.execute(ToolCall(id="2", name="cancel_pending_order", arguments=cancel))
    assert done.error is None and done.result["status"] == "cancelled"
    assert backend.digest() != before and backend.view()["orders"]["#W1267569"]["status"] == "cancelled"
    factory = Tau2BackendFactory(domain)
    scenario = Scenario(id="retail-5", situation="s", desired_outcome="o")
    start = factory.initial_view(scenario, datetime.now(UTC))
    assert start["orders"]["#W1267569"]["status"] == "pending"  # untouched by the backend above
    assert factory.initial_view(scenario, datetime.now(UTC)) is start  # taken once
    with pytest.raises(BackendDataError, match="a τ² suite sets its data in the task's initial_state"):
        factory.initial_view(scenario.model_copy(update={"backend_overrides": {"orders": {}}}), datetime.now(UTC))


def _domain_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "retail"
    shutil.copytree(installed_folder("retail"), folder)
    return folder


def test_a_folder_that_is_not_a_tau2_domain_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "retail"
    folder.mkdir()
    (folder / "policy.md").write_text("policy")
    out = tmp_path / "suite"
    result = sparring("import", "tau2", str(folder), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {folder}: not a τ² domain folder: tasks.json, db.json missing "
        "(it holds tasks.json, policy.md, db.json)"
    )
    assert not out.exists()


def test_a_task_calling_a_tool_the_domain_lacks_names_file_and_task(tmp_path: Path) -> None:
    folder = _domain_copy(tmp_path)
    tasks = json.loads((folder / "tasks.json").read_text())
    tasks[3]["evaluation_criteria"]["actions"][0]["name"] = "refund_everything"
    (folder / "tasks.json").write_text(json.dumps(tasks))
    out = tmp_path / "suite"
    result = sparring("import", "tau2", str(folder), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"{folder / 'tasks.json'}: task '3': action '3_0' calls 'refund_everything'" in result.stderr
    assert "a tool the retail domain lacks" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".suite-*"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "tasks.json").write_text("[{"), "tasks.json:1: invalid JSON"),
        (lambda f: (f / "tasks.json").write_text(json.dumps([{"id": "7"}])), "tasks.json: task '7': user_scenario"),
        (lambda f: (f / "db.json").write_text(json.dumps({"orders": {}})), "db.json: not a τ² retail database"),
    ],
)
def test_damaged_domain_files_are_named(tmp_path: Path, damage: Any, message: str) -> None:
    folder = _domain_copy(tmp_path)
    damage(folder)
    with pytest.raises(Tau2ImportError, match=message.replace("τ²", ".*")):
        load_domain(folder)


def test_unknown_domain_and_occupied_output_are_refused(tmp_path: Path) -> None:
    with pytest.raises(Tau2ImportError, match="unknown τ² domain 'banking': give one of airline, retail"):
        load_domain("banking")
    renamed = tmp_path / "shopping"
    shutil.copytree(_domain_copy(tmp_path), renamed)
    with pytest.raises(Tau2ImportError, match="τ² domain 'shopping' is not supported"):
        load_domain(renamed)
    shutil.copytree(renamed, tmp_path / "mock")  # a supported name over another domain's data: its database is named
    with pytest.raises(Tau2ImportError, match="db.json: not a τ² mock database"):
        load_domain(tmp_path / "mock")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(Tau2ImportError, match="already exists and is not an empty folder"):
        write_suite(load_domain("retail"), occupied)
    assert [p.name for p in occupied.iterdir()] == ["keep.txt"]


def test_airline_imports_too(tmp_path: Path) -> None:
    out = write_suite(load_domain("airline"), tmp_path / "airline")
    scenarios = [Scenario.model_validate(s) for s in yaml.safe_load((out / "scenarios" / "airline.yaml").read_text())]
    assert len(scenarios) == 50 and sum(bool(s.assertions) for s in scenarios) == 50


def test_without_the_extra_the_importer_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sparring.importers.tau2_domain as module

    def missing(name: str) -> Any:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(module, "import_module", missing)
    with pytest.raises(Tau2ImportError, match=r'the τ² importer needs τ²-bench: pip install -e "\.\[tau2\]"'):
        load_domain("retail")


def test_scenarios_pass_the_loaders_checks_against_tau2s_tools(retail_suite: Path) -> None:
    """What the suite loader checks per scenario, given this backend: expected actions name τ²'s tools and
    arguments, and each scenario's starting database is available (the lead wires `kind: python` to use them)."""
    from sparring.suite.expected_actions import expected_action_problems
    from sparring.suite.loader import load_scenarios

    factory = _module(retail_suite / "backend.py").factory
    specs, problems = factory.specs(), []
    for scenario, doc, path in load_scenarios(retail_suite / "scenarios" / "retail.yaml"):
        problems += expected_action_problems(scenario, doc, path, specs)
        assert factory.initial_view(scenario, datetime.now(UTC))["users"]
    assert problems == []


def test_the_suite_discovers_and_enables_its_evaluations(retail_suite: Path) -> None:
    from sparring.suite.evaluations import discover
    from sparring.suite.loader import _load_module

    catalog = discover(retail_suite, _load_module)
    config = SuiteConfig.model_validate(yaml.safe_load((retail_suite / "suite.yaml").read_text()))
    assert [use.use for use in config.evaluations] == ["tau2_reward", "expected_actions_taken"]
    assert {"tau2_reward", "expected_actions_taken"} <= catalog.checks.keys()
    assert catalog.specs["tau2_reward"].description.startswith("τ²-bench's reward is 1.0")
