"""τ²'s own runner and Sparring side by side (issue 29, item 8): the same τ² domain and tasks, one stub model
server at 200 ms latency serving both, runs alternating A B A B. Each side is run as its user runs it, from its
command line in a fresh process: A is `tau2 run` (τ²'s LLM agent and user simulator over litellm, threads up to
`--max-concurrency`), B is `sparring run` on the suite `sparring import tau2` wrote (the local executor: one
process, asyncio, `--concurrency` conversations at once). Prints for each run: conversations per hour (whole
process: start-up, run, saving results), its start-up (process start to its first model request) and that share
of its wall time, CPU per model call (the process's user + system CPU over the calls the stub served it), peak RSS;
then the ratio of conversations per hour (best of each; each round's ratio too; target >= 50x) and two reward
agreements: Sparring's `tau2_reward` of each trajectory τ² ran against the reward τ² stored for it, and, task by
task, τ²'s rewards against Sparring's own runs. The stub runs in this process: its CPU is no runner's. Exits 1 on
a miss.

    python bench/tau2_side_by_side.py    # retail, 50 tasks; τ² 4 trials at concurrency 16 and 32, Sparring 40 trials
    python bench/tau2_side_by_side.py --tau2-concurrency 4 8 16 32 --rounds 1 --tau2-trials 1   # τ²'s best

τ²'s rate is the best of its concurrencies in a round (on 2 CPUs, 50 conversations, load about 2: 4: 3,030/hour,
8: 3,871, 16: 4,435, 32: 4,542; at load 2-7, 8 had measured best).

The stub plays the same conversation for both: the customer (τ²'s user, Sparring's simulated customer) opens with
the task's request tagged with its id; the agent makes the task's gold calls, one per request, then says the
information it must communicate; the customer then stops (τ²: `###STOP###`; Sparring: its analysis finds the
issue addressed). Both make a task's gold calls + 3 model calls per conversation (Sparring's opening is its
simulator's request, its stop its analysis). The imported suite lets its reference agent make up to 20 tool calls
per turn (`agent.max_tool_rounds`; default 4), as τ²'s agent makes a task's gold calls (up to 13) in one turn.
τ² runs fewer conversations than Sparring (200 per run, 3-4 minutes, against 2,000, about 30 seconds, by default), so
that start-up is a small share of both (τ²'s about 3%, Sparring's about 10%, printed): both rates count the whole
process, start-up included; at 1,000 conversations Sparring's start-up and its last, partly filled waves of
conversations weigh more (measured 140,000-150,000 conversations/hour against about 270,000 at 2,000, load 4-9).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from runner import machine

from sparring import Store, load_suite
from sparring.importers.tau2_backend import Tau2BackendFactory, scenario_id
from sparring.importers.tau2_domain import load_domain
from sparring.importers.tau2_evaluation import conversation_reward
from sparring.importers.tau2_suite import write_suite
from sparring.testing import StubServer
from sparring.testing.stub_server import StubConfig
from sparring.testing.suite_world import SuiteWorld
from sparring.testing.world import is_customer_request, tool_call

RATIO_TARGET = 50.0
LATENCY_MS = 200.0
TOOL_ROUNDS = 20  # tool calls the imported suite's reference agent may make in one turn (τ²'s agent: no limit)


def _normal(text: str) -> str:
    return " ".join(text.split())


class SideBySideStub:
    """One responder for both systems, playing each task's gold conversation; records when each request came."""

    def __init__(self, tasks: list[Any], world: SuiteWorld) -> None:
        self.tasks = {task.id: task for task in tasks}
        self.reasons = {_normal(t.user_scenario.instructions.reason_for_call)[:200]: t.id for t in tasks}
        self.world = world
        self.times: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.times.append(time.monotonic())
        messages = body.get("messages", [])
        system = messages[0].get("content") or "" if messages and messages[0]["role"] == "system" else ""
        if "<scenario>" in system and "###STOP###" in system:
            return self._user(_normal(system), messages)
        if system.startswith("<instructions>") and "<policy>" in system:
            return self._agent(messages)
        if is_customer_request(messages):
            return self._customer(_normal(system), body)
        if body.get("tools"):
            return self._agent(messages)
        return self.world(body)

    def calls_since(self, start: float) -> list[float]:
        """The arrival times of the requests made since `start` (time.monotonic)."""
        with self._lock:
            return [t for t in self.times if t >= start]

    def _task_of(self, system: str) -> str | None:
        return next((i for reason, i in self.reasons.items() if reason in system), None)

    def _user(self, system: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        task_id = self._task_of(system)
        if task_id is None or any(m["role"] == "assistant" for m in messages):
            return {"content": "###STOP###"}
        return {"content": f"Hi, I need help. [task {task_id}]"}

    def _customer(self, system: str, body: dict[str, Any]) -> dict[str, Any]:
        """Sparring's customer as τ²'s user: the suite world's opening tagged with the task; the issue counts as
        addressed once the agent has answered."""
        task_id = self._task_of(system)
        answer = self.world(body)
        if task_id is None:
            return answer
        if body.get("response_format"):
            replies = sum(1 for m in body["messages"] if m["role"] == "user") - 1  # minus the scaffold greeting
            return {"content": json.dumps(json.loads(answer["content"]) | {"issue_addressed": replies >= 1})}
        return {"content": f"{answer['content']} [task {task_id}]"}

    def _agent(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        opening = next(
            (m.get("content") or "" for m in messages if m["role"] == "user" and "[task " in (m.get("content") or "")),
            "",
        )
        task = self.tasks.get(opening.rsplit("[task ", 1)[-1].rstrip("]")) if opening else None
        if task is None:
            return {"content": "How can I help you today?"}
        gold = task.evaluation_criteria.actions or []
        made = sum(1 for m in messages if m["role"] == "tool")
        if made < len(gold):
            message = tool_call(gold[made].name, gold[made].arguments)
            message["tool_calls"][0] |= {"id": f"call_{made}", "type": "function"}
            return message
        return {"content": "Done. " + " ".join(task.evaluation_criteria.communicate_info or [])}


def tau2_command(
    domain: str, task_ids: list[str], trials: int, concurrency: int, base_url: str, out: Path
) -> list[str]:
    """`tau2 run` on the tasks, both its agent and its user on the stub."""
    llm_args = json.dumps({"api_base": base_url, "api_key": "stub", "temperature": 0.0})
    command = ["tau2", "run", "--domain", domain, "--agent-llm", "openai/stub", "--agent-llm-args", llm_args]
    command += ["--user-llm", "openai/stub", "--user-llm-args", llm_args, "--max-concurrency", str(concurrency)]
    command += ["--task-ids", *task_ids, "--results-dir", str(out.parent), "--save-to", out.stem]
    return command + ["--num-trials", str(trials), "--log-level", "ERROR", "--max-steps", "60"]


def sparring_command(
    suite_dir: Path, ids: list[str], trials: int, concurrency: int, base_url: str, db: Path
) -> list[str]:
    """`sparring run` on the imported suite's scenarios of the tasks, every role on the stub."""
    command = ["sparring", "run", str(suite_dir), "--model", "openai:stub", "--base-url", base_url, "--db", str(db)]
    command += ["--trials", str(trials), "--concurrency", str(concurrency)]
    return command + [part for i in ids for part in ("--scenario", i)]


# Runs the command and prints its peak RSS (KB): this wrapper's only child is the command.
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], stub: SideBySideStub, conversations: int) -> dict[str, float]:
    """Run the command in a fresh process: conversations per hour, start-up and wall seconds, CPU per model call
    (ms), model calls and peak RSS (MB)."""
    env = os.environ | {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENAI_API_KEY": "stub"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], env=env, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    calls = stub.calls_since(start)
    return {
        "per_hour": conversations / wall * 3600,
        "wall_s": wall,
        "startup_s": (min(calls) - start) if calls else wall,
        "cpu_ms_per_call": cpu / max(len(calls), 1) * 1000,
        "calls": len(calls),
        "peak_mb": int(done.stdout.split()[-1]) / 1024,
    }


def report(side: str, conversations: int, figures: dict[str, float]) -> None:
    """One run's line."""
    print(
        f"{side}: {conversations} conversations, {figures['per_hour']:9.0f} conversations/hour "
        f"(wall {figures['wall_s']:.1f} s, start-up {figures['startup_s']:.1f} s = "
        f"{figures['startup_s'] / figures['wall_s']:.0%}), {figures['cpu_ms_per_call']:5.1f} ms CPU per model call "
        f"({figures['calls']} calls, {figures['calls'] / conversations:.1f} per conversation), "
        f"peak RSS {figures['peak_mb']:.0f} MB; load {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )


def tau2_rewards(results_file: Path) -> list[Any]:
    """τ²'s saved simulations."""
    from tau2.data_model.simulation import Results

    return list(Results.load(results_file).simulations)


def rescored(simulations: list[Any], factory: Tau2BackendFactory, domain: str) -> int:
    """How many of τ²'s trajectories, converted to Sparring conversations, get from Sparring's tau2_reward the
    reward τ² stored (pass = 1.0)."""
    agree = 0
    for simulation in simulations:
        theirs = simulation.reward_info.reward if simulation.reward_info else 0.0
        ours = asyncio.run(
            conversation_reward(factory, scenario_id(domain, simulation.task_id), as_conversation(simulation))
        )
        agree += (ours.outcome.value == "pass") == (theirs == 1.0)
    return agree


def sparring_rewards(db: Path) -> dict[str, set[bool]]:
    """Per scenario, the tau2_reward outcomes (pass or not) of Sparring's last run in `db`."""
    store = Store.open(str(db))
    run = store.list_runs(limit=1)[0]
    outcomes: dict[str, set[bool]] = defaultdict(set)
    for verdict in store.verdicts(run.id):
        if verdict.evaluation_id == "tau2_reward":
            outcomes[verdict.conversation_id.split(":")[1]].add(verdict.outcome.value == "pass")
    return outcomes


def _decoded(content: str | None) -> Any:
    try:
        return json.loads(content or "null")
    except json.JSONDecodeError:
        return content


def as_conversation(simulation: Any) -> Any:
    """A τ² simulation's messages as a Sparring conversation (tool calls with their answers, texts in order)."""
    from sparring.data_model import AgentTurn, Conversation, CustomerTurn, EndReason, ToolCallRecord

    answers = {m.id: m for m in simulation.messages if m.role == "tool"}
    turns: list[Any] = []
    for message in simulation.messages:
        if message.role == "user" and message.content:
            turns.append(CustomerTurn(content=message.content))
        elif message.role == "assistant":
            if not turns or not isinstance(turns[-1], AgentTurn) or turns[-1].content:
                turns.append(AgentTurn(content=""))
            for call in message.tool_calls or []:
                answer = answers.get(call.id)
                record = ToolCallRecord(id=call.id, name=call.name, arguments=call.arguments)
                if answer is not None and answer.error:
                    record.error = answer.content
                elif answer is not None:
                    record.result = _decoded(answer.content)
                turns[-1].tool_calls.append(record)
            turns[-1].content = message.content or ""
    stopped = simulation.termination_reason.value in ("agent_stop", "user_stop")
    end = EndReason.RESOLVED if stopped else EndReason.MAX_TURNS
    return Conversation(id="t:s:0", run_id="t", scenario_id="s", turns=turns, end_reason=end)


def imported_suite(domain: Any, folder: Path) -> Path:
    """`sparring import tau2` of the domain, its reference agent allowed τ²'s agent's tool calls per turn."""
    suite_dir = write_suite(domain, folder / "suite")
    config = yaml.safe_load((suite_dir / "suite.yaml").read_text(encoding="utf-8"))
    config["agent"] = {"max_tool_rounds": TOOL_ROUNDS}
    (suite_dir / "suite.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return suite_dir


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domain", default="retail")
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--tau2-trials", type=int, default=4, help="τ²'s conversations per task")
    parser.add_argument("--sparring-trials", type=int, default=40, help="Sparring's conversations per task")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tau2-concurrency", type=int, nargs="+", default=[16, 32], help="each is run in every round")
    parser.add_argument("--sparring-concurrency", type=int, default=250)
    return parser.parse_args()


def main() -> int:
    """Import the domain, serve the stub, run A B A B, print the figures against the target."""
    args = arguments()
    if shutil.which("tau2") is None or shutil.which("sparring") is None:
        sys.exit("tau2 and sparring must be on PATH (the virtualenv's bin)")
    print(machine())
    domain = load_domain(args.domain)
    tasks = [t for t in domain.tasks if t.evaluation_criteria is not None][: args.tasks]
    ids = [scenario_id(domain.name, t.id) for t in tasks]
    theirs_n, ours_n = len(tasks) * args.tau2_trials, len(tasks) * args.sparring_trials
    factory = Tau2BackendFactory(domain)
    rounds: list[tuple[float, float]] = []
    agreement = [0, 0]
    per_task: dict[str, tuple[set[bool], set[bool]]] = defaultdict(lambda: (set(), set()))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        suite_dir = imported_suite(domain, folder)
        stub = SideBySideStub(tasks, SuiteWorld.from_suite(load_suite(suite_dir)))
        with StubServer(stub, StubConfig(latency_s=LATENCY_MS / 1000), record=False) as server:
            for index in range(args.rounds):
                best = 0.0
                for concurrency in args.tau2_concurrency:
                    out = folder / f"tau2-{index}-{concurrency}.json"
                    command = tau2_command(
                        domain.name, [t.id for t in tasks], args.tau2_trials, concurrency, server.base_url, out
                    )
                    figures = timed(command, stub, theirs_n)
                    report(f"A τ² (tau2 run --max-concurrency {concurrency})", theirs_n, figures)
                    best = max(best, figures["per_hour"])
                    simulations = tau2_rewards(out)
                    agreement[0] += rescored(simulations, factory, domain.name)
                    agreement[1] += len(simulations)
                    for simulation in simulations:
                        reward = simulation.reward_info.reward if simulation.reward_info else 0.0
                        per_task[scenario_id(domain.name, simulation.task_id)][0].add(reward == 1.0)
                db = folder / f"sparring-{index}.db"
                command = sparring_command(
                    suite_dir, ids, args.sparring_trials, args.sparring_concurrency, server.base_url, db
                )
                figures = timed(command, stub, ours_n)
                report(f"B Sparring (sparring run --concurrency {args.sparring_concurrency})", ours_n, figures)
                rounds.append((best, figures["per_hour"]))
                for task, outcomes in sparring_rewards(db).items():
                    per_task[task][1].update(outcomes)
    return verdict(rounds, agreement, per_task)


def verdict(
    rounds: list[tuple[float, float]], agreement: list[int], per_task: dict[str, tuple[set[bool], set[bool]]]
) -> int:
    """The ratio lines, the reward agreements and the exit status."""
    for index, (theirs, ours) in enumerate(rounds):
        print(f"round {index + 1}: Sparring / τ² = {ours:.0f} / {theirs:.0f} = {ours / theirs:.1f}x")
    ratio = max(ours for _, ours in rounds) / max(theirs for theirs, _ in rounds)
    agree, compared = agreement
    print(
        f"reward agreement on τ²'s trajectories (Sparring's tau2_reward of each): {agree} of {compared} conversations"
    )
    same = sum(1 for theirs, ours in per_task.values() if len(theirs) == 1 and theirs == ours)
    rewarded = sum(1 for theirs, _ in per_task.values() if theirs == {True})
    print(
        f"reward agreement task by task (every τ² and every Sparring conversation of the task the same reward): "
        f"{same} of {len(per_task)} tasks ({rewarded} rewarded 1.0 in every τ² conversation)"
    )
    ok = ratio >= RATIO_TARGET and agree == compared and same == len(per_task)
    print(
        f"{'ok  ' if ok else 'MISS'} conversations per hour, Sparring / τ² (best of each): {ratio:.1f}x "
        f"(target >= {RATIO_TARGET:.0f}x)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
