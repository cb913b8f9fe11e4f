"""Sparring's port of τ²'s banking_knowledge domain against τ²-bench's own code (issue 29): for every task of a
τ²-bench checkout (v1.0 or newer), the task's gold actions of both sides, the gold without its last action, and the
gold with one argument of its last call altered are played on τ²'s own tools and environment and on Sparring's
port; τ²'s reward is τ²'s own `EnvironmentEvaluator` (and its action check where the reward basis names ACTION),
Sparring's is `tau2_reward`. τ² v1.0.x needs Python 3.12, so its banking code, environment and environment
evaluator are loaded beside the installed τ² (26.3) as a private package whose imports name that package.
Prints how many trajectories get the same reward, the same tool answers and the same database hash, and how many
gold replays earn 1.0 in each. Target: every trajectory agrees, every gold replay earns 1.0. Exits 1 on a miss.

    python bench/tau2_banking_agreement.py --git-dir PATH/tau2-bench/.git   # or a mirror's git directory
    python bench/tau2_banking_agreement.py --checkout PATH/tau2-bench
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from runner import machine

DOMAIN = "src/tau2/domains/banking_knowledge"
DATA = "data/tau2/domains/banking_knowledge"
SOURCES = {  # file of the private package: τ²-bench path
    "tools.py": f"{DOMAIN}/tools.py",
    "data_model.py": f"{DOMAIN}/data_model.py",
    "db_query.py": f"{DOMAIN}/db_query.py",
    "utils.py": f"{DOMAIN}/utils.py",
    "toolkit_v1.py": "src/tau2/environment/toolkit.py",
    "env_v1.py": "src/tau2/environment/environment.py",
    "evaluator_env_v1.py": "src/tau2/evaluator/evaluator_env.py",
}


def reader(args: argparse.Namespace) -> tuple[Any, Any]:
    """(read one file's text, list the files under a folder) of the checkout or the git directory."""
    if args.checkout:
        root = Path(args.checkout)
        return (lambda path: (root / path).read_text(encoding="utf-8")), (
            lambda folder: [str(p.relative_to(root)) for p in (root / folder).rglob("*") if p.is_file()]
        )
    git = ["git", f"--git-dir={args.git_dir}"]

    def show(path: str) -> str:
        return subprocess.run([*git, "show", f"HEAD:{path}"], capture_output=True, text=True, check=True).stdout

    def listed(folder: str) -> list[str]:
        out = subprocess.run([*git, "ls-tree", "-r", "--name-only", "HEAD", folder], capture_output=True, text=True)
        return out.stdout.split()

    return show, listed


def private_package(root: Path, show: Any) -> None:
    """τ²-bench's code as package `tau2_v1` (imports renamed; the evaluator without its full-duplex half)."""
    package = root / "tau2_v1"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, path in SOURCES.items():
        text = show(path).replace("tau2.domains.banking_knowledge", "tau2_v1")
        text = text.replace("tau2.environment.toolkit", "tau2_v1.toolkit_v1")
        text = text.replace(
            "from tau2.environment.environment import Environment", "from tau2_v1.env_v1 import Environment"
        )
        if name == "evaluator_env_v1.py":
            text = text[: text.index("class FullDuplexEnvironmentEvaluator")].replace("    Tick,\n", "")
            text = text.replace("(EvaluatorBase[Message])", "(EvaluatorBase)")
        (package / name).write_text(text)


def domain_folder(root: Path, show: Any, listed: Any) -> Path:
    """The domain's data (tasks/, db.json, prompts/, documents/) as τ²-bench lays it out."""
    folder = root / "banking_knowledge"
    for path in listed(DATA):
        relative = path.removeprefix(f"{DATA}/")
        if relative.startswith(("tasks/", "prompts/", "documents/")) or relative == "db.json":
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(show(path), encoding="utf-8")
    return folder


def tau2_side(v1: Any, raw_db: dict[str, Any], task: Any, calls: list[Any]) -> tuple[list[Any], float, str]:
    """τ²'s own tool answers, reward and database hash for `calls` (name, arguments, requestor)."""
    from tau2.data_model.message import AssistantMessage, ToolCall, UserMessage
    from tau2.evaluator.evaluator_action import ActionEvaluator

    from sparring.importers.tau2_backend import _decoded
    from sparring.importers.tau2_banking import read_log_allowlist

    def make(solo_mode: bool = False, **_kwargs: Any) -> Any:
        db = v1.data_model.TransactionalDB.model_validate(copy.deepcopy(raw_db))
        tools = v1.tools.KnowledgeTools(db)
        tools.set_read_log_allowlist(read_log_allowlist(task))
        return v1.env_v1.Environment(
            domain_name="banking_knowledge", policy="", tools=tools, user_tools=v1.tools.KnowledgeUserTools(db)
        )

    environment, state = make(), task.initial_state
    environment.set_state(state.initialization_data if state else None, None, [])
    messages, answers = [], []
    for index, (name, arguments, whose) in enumerate(calls):
        call = ToolCall(id=str(index), name=name, arguments=arguments, requestor=whose)
        answer = environment.get_response(call)
        messages += [(UserMessage if whose == "user" else AssistantMessage)(role=whose, tool_calls=[call]), answer]
        answers.append((answer.error, _decoded(answer.content)))
    reward = v1.evaluator_env_v1.EnvironmentEvaluator.calculate_reward(
        environment_constructor=make, task=task, full_trajectory=messages
    ).reward
    if "ACTION" in [kind.value for kind in task.evaluation_criteria.reward_basis]:
        reward *= ActionEvaluator.calculate_reward(task=task, full_trajectory=messages).reward
    return answers, reward, environment.get_db_hash()


def sparring_side(domain: Any, task: Any, calls: list[Any]) -> tuple[list[Any], float, str]:
    """Sparring's tool answers, `tau2_reward` and database hash for the same calls (NL assertions found met)."""
    from sparring.data_model import ToolCall
    from sparring.importers.tau2_backend import Tau2Backend
    from sparring.importers.tau2_reward import tau2_reward

    backend, records = Tau2Backend(domain, task), []
    for index, (name, arguments, whose) in enumerate(calls):
        run = backend.execute_customer if whose == "user" else backend.execute
        records.append(run(ToolCall(id=str(index), name=name, arguments=arguments)))
    answers = [(r.error is not None, r.error if r.error is not None else r.result) for r in records]
    unmet = () if task.evaluation_criteria.nl_assertions else None
    reward = tau2_reward(domain, task, records, [], unmet, [whose for _n, _a, whose in calls]).reward
    return answers, reward, backend.environment.get_db_hash()


def altered(calls: list[Any]) -> list[Any] | None:
    """The calls with one string argument of the last call that has one changed (inside a discoverable call's
    JSON arguments where it is one)."""
    calls = copy.deepcopy(calls)
    for name, arguments, _whose in reversed(calls):
        if name.startswith("call_discoverable"):
            inner = json.loads(arguments.get("arguments", "{}"))
            key = next((k for k, v in inner.items() if isinstance(v, str)), None)
            if key:
                arguments["arguments"] = json.dumps(inner | {key: inner[key] + "X"})
                return calls
        elif key := next((k for k, v in arguments.items() if isinstance(v, str)), None):
            arguments[key] += "X"
            return calls
    return None


def compare(v1: Any, folder: Path) -> int:
    from sparring.importers.tau2_domain import load_domain

    domain, raw_db = load_domain(folder), json.loads((folder / "db.json").read_text())
    counts = dict.fromkeys(("trajectories", "reward", "answers", "hash", "gold_ours", "gold_tau2", "zero_tau2"), 0)
    for task in domain.tasks:
        gold = [(a.name, dict(a.arguments), a.requestor) for a in task.evaluation_criteria.actions or []]
        for kind, calls in (("gold", gold), ("drop_last", gold[:-1] if gold else None), ("altered", altered(gold))):
            if calls is None:
                continue
            theirs, ours = tau2_side(v1, raw_db, task, calls), sparring_side(domain, task, calls)
            counts["trajectories"] += 1
            counts["reward"] += theirs[1] == ours[1]
            counts["answers"] += theirs[0] == ours[0]
            counts["hash"] += theirs[2] == ours[2]
            if kind == "gold":
                counts["gold_ours"] += ours[1] == 1.0
                counts["gold_tau2"] += theirs[1] == 1.0
            else:
                counts["zero_tau2"] += theirs[1] == 0.0
            if theirs != ours:
                print(f"differs: {task.id} {kind}: τ² reward {theirs[1]}, Sparring {ours[1]}")
    n, tasks = counts["trajectories"], len(domain.tasks)
    print(machine())
    print(f"banking_knowledge, {tasks} tasks, {n} trajectories (gold, without its last action, an argument altered)")
    for key, what in (("reward", "reward"), ("answers", "tool answers"), ("hash", "database hash")):
        print(f"same {what}: {counts[key]} of {n} trajectories (target: all)")
    print(f"earn 0 (τ²): {counts['zero_tau2']} of the {n - tasks} altered or shortened trajectories")
    print(f"gold replay of both sides earns 1.0: Sparring {counts['gold_ours']} of {tasks}, τ² {counts['gold_tau2']}")
    met = counts["reward"] == counts["answers"] == counts["hash"] == n and counts["gold_ours"] == tasks
    print("ok" if met else "MISS")
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--checkout", help="a τ²-bench checkout (v1.0 or newer)")
    where.add_argument("--git-dir", help="a τ²-bench git directory (its HEAD is read)")
    args = parser.parse_args()
    from importlib import import_module

    import_module("loguru").logger.remove()
    show, listed = reader(args)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        private_package(root, show)
        sys.path.insert(0, str(root))
        v1 = argparse.Namespace(
            **{name: import_module(f"tau2_v1.{name}") for name in ("tools", "data_model", "env_v1", "evaluator_env_v1")}
        )
        return compare(v1, domain_folder(root, show, listed))


if __name__ == "__main__":
    sys.exit(main())
