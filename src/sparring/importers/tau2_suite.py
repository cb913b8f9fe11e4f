"""Write an imported τ² domain as a Sparring suite, all or nothing.

The suite folder holds `suite.yaml`, `scenarios/<domain>.yaml` (one scenario per task), `tau2/<domain>/` (the
domain's tasks.json, policy.md and db.json, copied: the suite does not depend on where τ² was installed; telecom's
and banking_knowledge's own files, with their composed policy written as policy.md; mock's customer inbox,
`user_db.json`, where it has one; banking_knowledge's documents
become the suite's `knowledge:`, searched by `KB_search` as τ²'s BM25 variant names it),
`backend.py` (the `Tau2BackendFactory`) and `evaluations/tau2_reward.py` (τ²'s reward as a check).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from sparring.data_model import Scenario
from sparring.importers import tau2_banking, tau2_mock_user
from sparring.importers.tau2_backend import scenario_id
from sparring.importers.tau2_domain import Tau2Domain, Tau2ImportError, domain_files
from sparring.importers.tau2_history import opening_of

CHECK_MODULE = '''"""τ²-bench's reward for the imported {name} domain (written by `sparring import tau2`)."""

from pathlib import Path

from sparring.importers.tau2_evaluation import reward_check

tau2_reward = reward_check(Path(__file__).resolve().parent.parent / "tau2" / "{name}")
'''

BACKEND_MODULE = '''"""The backend of this suite: τ²'s own {name} environment (written by `sparring import tau2`)."""

from pathlib import Path

from sparring.importers.tau2_backend import Tau2BackendFactory

factory = Tau2BackendFactory.from_folder(Path(__file__).resolve().parent / "tau2" / "{name}")
'''


def _instructions(task: Any) -> dict[str, Any]:
    """situation, known and unknown facts, customer rules from τ²'s user instructions (structured or free text)."""
    instructions = task.user_scenario.instructions
    if isinstance(instructions, str):
        return {"situation": instructions}
    fields: dict[str, Any] = {"situation": instructions.reason_for_call.strip()}
    if instructions.known_info:
        fields["known_facts"] = [{"key": "what you know", "value": instructions.known_info.strip()}]
    if instructions.unknown_info:
        fields["unknown_facts"] = [instructions.unknown_info.strip()]
    if instructions.task_instructions.strip():
        fields["customer_rules"] = [instructions.task_instructions.strip()]
    return fields


def _expected_actions(task: Any) -> dict[str, Any]:
    """τ²'s gold actions of the agent as expected_actions (compare_args: a subset match on those arguments) and,
    when there are some and the customer has none of its own to make (telecom's user actions), the end state their
    replay leaves."""
    every = task.evaluation_criteria.actions or [] if task.evaluation_criteria else []
    actions = [a for a in every if a.requestor == "assistant"]
    if not actions:
        return {}
    listed = [
        {"tool": a.name, "arguments": a.arguments, "match": "exact"}
        if a.compare_args is None
        else {"tool": a.name, "arguments": {k: a.arguments[k] for k in a.compare_args}, "match": "subset"}
        for a in actions
    ]
    fields: dict[str, Any] = {"expected_actions": {"actions": listed}}
    if len(actions) == len(every):
        fields["expected_state"] = {"replay_expected_actions": True}
    return fields


def _criteria(task: Any) -> dict[str, Any]:
    criteria = task.evaluation_criteria
    fields = _expected_actions(task)
    if criteria is not None and criteria.communicate_info:
        fields["must_communicate"] = list(criteria.communicate_info)
    if criteria is not None and criteria.nl_assertions:
        fields["assertions"] = list(criteria.nl_assertions)
    return fields


def scenario_of(domain: str, task: Any) -> dict[str, Any]:
    """One τ² task as a scenario mapping (validated as a `Scenario`)."""
    purpose = task.description.purpose if task.description else None
    data: dict[str, Any] = {"id": scenario_id(domain, task.id)}
    if purpose:
        data["title"] = purpose.strip().splitlines()[0][:120]
    if task.user_scenario.persona:
        data["persona"] = {"style": task.user_scenario.persona.strip()}
    data |= _instructions(task)
    data["desired_outcome"] = "The request in the situation is handled as far as the policy allows."
    data |= _criteria(task)
    opening = opening_of(task)
    if opening:
        data["opening"] = opening
    data |= {"tags": ["tau2", domain], "source": f"τ²-bench {domain} task {task.id}"}
    Scenario.model_validate(data)
    return data


HANDOFF_TOOLS = ("transfer_to_human_agents",)  # τ²'s hand-off tool (a GENERIC tool in every domain that has one)


def backend_config(domain: Tau2Domain) -> dict[str, Any]:
    """The python backend, its hand-off tool and its write tools (τ²'s WRITE tools)."""
    handoff = [name for name in domain.tool_names if name in HANDOFF_TOOLS]
    writes = [name for name in domain.tool_names if domain.tool_types[name] == "write"]
    return {"kind": "python", "factory": "backend.py:factory", "handoff_tools": handoff, "action_tools": writes}


def suite_config(domain: Tau2Domain) -> dict[str, Any]:
    """suite.yaml: the policy, the scenarios, τ²'s reward and the built-in check of the scenarios' actions (which
    counts refused calls, as τ²'s action check does: its gold includes calls τ² refuses on purpose)."""
    config: dict[str, Any] = {
        "name": f"tau2-{domain.name}",
        "description": f"τ²-bench's {domain.name} domain ({len(domain.tasks)} tasks), from `sparring import tau2`",
        "policy": f"tau2/{domain.name}/policy.md",
        "backend": backend_config(domain),
        "scenarios": "scenarios",
        "evaluations": [
            {"use": "tau2_reward"},
            {"use": "expected_actions_taken", "params": {"count_failed_calls": True}},
        ],
    }
    if domain.name == tau2_banking.NAME:
        knowledge = {
            "documents": f"tau2/{domain.name}/documents",
            "tool": tau2_banking.KB_TOOL,
            "top_k": tau2_banking.TOP_K,
        }
        config = (
            {key: config[key] for key in ("name", "description", "policy", "backend")}
            | {"knowledge": knowledge}
            | {key: config[key] for key in ("scenarios", "evaluations")}
        )
    return config


def _dump(file: Path, data: Any) -> None:
    file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")


def _fill(folder: Path, domain: Tau2Domain) -> None:
    data = folder / "tau2" / domain.name
    data.mkdir(parents=True)
    for name in domain_files(domain.name):
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(domain.folder / name, data / name)
    inbox = domain.folder / tau2_mock_user.USER_DB_FILE
    if domain.name == tau2_mock_user.NAME and inbox.is_file():
        shutil.copyfile(inbox, data / inbox.name)
    if domain.name == tau2_banking.NAME:
        for name in tau2_banking.FOLDERS:
            shutil.copytree(domain.folder / name, data / name)
    if not (data / "policy.md").exists():
        (data / "policy.md").write_text(domain.policy, encoding="utf-8")
    (folder / "scenarios").mkdir()
    _dump(folder / "scenarios" / f"{domain.name}.yaml", [scenario_of(domain.name, task) for task in domain.tasks])
    (folder / "evaluations").mkdir()
    (folder / "evaluations" / "tau2_reward.py").write_text(CHECK_MODULE.format(name=domain.name), encoding="utf-8")
    (folder / "backend.py").write_text(BACKEND_MODULE.format(name=domain.name), encoding="utf-8")
    _dump(folder / "suite.yaml", suite_config(domain))


def write_suite(domain: Tau2Domain, out: Path) -> Path:
    """Write the suite into `out` (which must not exist or be empty): built in a temporary folder beside it and
    moved into place at the end, so a failure leaves nothing behind."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Tau2ImportError(f"{out}: already exists and is not an empty folder; choose a new one")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _fill(staging, domain)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
