"""τ²'s own runner and Sparring side by side (issue 29, item 8): the same τ² domain and tasks, one stub model
server at 200 ms latency serving both, runs alternating A B A B. Prints conversations per hour of each (and the
ratio, target >= 50x), CPU per model call and peak RSS of each runner's process (the stub runs in this process:
its CPU is no runner's), and the reward agreement on τ²'s trajectories: Sparring's `tau2_reward` of each
conversation τ² ran against the reward τ² stored for it. Exits 1 on a miss.

    python bench/tau2_side_by_side.py                          # retail, 50 tasks x 4 trials, 2 rounds
    python bench/tau2_side_by_side.py --tasks 40 --tau2-concurrency 4 16 --sparring-concurrency 64

The stub plays each system as its requests show it: for τ² (`tau2 run`, its LLM agent and user simulator over
litellm) the user opens with the task's reason for call and stops once the agent has answered, the agent makes the
task's gold calls one per request, then says the information it must communicate; for Sparring the suite world
(`python -m sparring.testing --suite`) plays customer and agent. So the two make different numbers of model calls
per conversation: both are printed, and the throughput compares whole conversations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runner import machine
from tau2_cost import child as sparring_child

from sparring.testing import StubServer
from sparring.testing.stub_server import StubConfig
from sparring.testing.suite_world import SuiteWorld
from sparring.testing.world import tool_call

RATIO_TARGET = 50.0
LATENCY_MS = 200.0


def _normal(text: str) -> str:
    return " ".join(text.split())


class SideBySideStub:
    """One responder for both systems: τ²'s agent and user simulator by their system prompts, else the suite world."""

    def __init__(self, tasks: list[Any], world: SuiteWorld) -> None:
        self.tasks = {task.id: task for task in tasks}
        self.reasons = {_normal(t.user_scenario.instructions.reason_for_call)[:200]: t.id for t in tasks}
        self.world = world

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages", [])
        system = messages[0].get("content") or "" if messages and messages[0]["role"] == "system" else ""
        if "<scenario>" in system and "###STOP###" in system:
            return self._user(_normal(system), messages)
        if system.startswith("<instructions>") and "<policy>" in system:
            return self._agent(messages)
        return self.world(body)

    def _user(self, system: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
        task_id = next((i for reason, i in self.reasons.items() if reason in system), None)
        if task_id is None or any(m["role"] == "assistant" for m in messages):
            return {"content": "###STOP###"}
        return {"content": f"Hi, I need help. [task {task_id}]"}

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


def run_tau2(
    domain: str, task_ids: list[str], trials: int, concurrency: int, base_url: str, out: Path
) -> dict[str, float]:
    """`tau2 run` on the tasks: wall seconds, CPU seconds and peak RSS (MB) of its process."""
    llm_args = json.dumps({"api_base": base_url, "api_key": "stub", "temperature": 0.0})
    command = ["tau2", "run", "--domain", domain, "--agent-llm", "openai/stub", "--agent-llm-args", llm_args]
    command += ["--user-llm", "openai/stub", "--user-llm-args", llm_args, "--max-concurrency", str(concurrency)]
    command += ["--task-ids", *task_ids, "--results-dir", str(out.parent), "--save-to", out.stem]
    command += ["--num-trials", str(trials), "--log-level", "ERROR", "--max-steps", "60"]
    env = os.environ | {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENAI_API_KEY": "stub"}
    return _timed(command, env)


def run_sparring(suite_dir: Path, tasks: int, trials: int, base_url: str, concurrency: int) -> dict[str, float]:
    """A Sparring run of the imported suite's first `tasks` tasks, `trials` each, in its own process."""
    command = [sys.executable, __file__, "--sparring-child", str(suite_dir), str(tasks), str(trials), base_url]
    command.append(str(concurrency))
    return _timed(command, dict(os.environ))


# Runs the command and prints its peak RSS (KB): this wrapper's only child is the command.
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of the command's process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *command], env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": int(done.stdout.split()[-1]) / 1024}


def reward_agreement(results_file: Path, domain: Any) -> tuple[int, int, int]:
    """(agreeing, compared, τ² rewards of 1.0) over τ²'s saved simulations: Sparring's tau2_reward of each
    trajectory, converted to a Sparring conversation, against the reward τ² stored."""
    from tau2.data_model.simulation import Results

    from sparring.importers.tau2_backend import Tau2BackendFactory, scenario_id
    from sparring.importers.tau2_evaluation import conversation_reward

    factory = Tau2BackendFactory(domain)
    results = Results.load(results_file)
    agree = passed = 0
    for simulation in results.simulations:
        theirs = simulation.reward_info.reward if simulation.reward_info else 0.0
        conversation = as_conversation(simulation)
        ours = asyncio.run(conversation_reward(factory, scenario_id(domain.name, simulation.task_id), conversation))
        agree += (ours.outcome.value == "pass") == (theirs == 1.0)
        passed += theirs == 1.0
    return agree, len(results.simulations), passed


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


def main() -> int:
    """Import the domain, serve the stub, run A B A B, print the figures against the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domain", default="retail")
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--trials", type=int, default=4, help="conversations per task, on both sides")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tau2-concurrency", type=int, nargs="+", default=[16])
    parser.add_argument("--sparring-concurrency", type=int, default=200)
    parser.add_argument("--sparring-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sparring_child:
        suite_dir, tasks, trials, base_url, concurrency = args.sparring_child
        figures = sparring_child(suite_dir, int(tasks) * int(trials), base_url, int(concurrency), int(tasks))
        print(json.dumps(figures))
        return 0
    from sparring import load_suite
    from sparring.importers.tau2_domain import load_domain
    from sparring.importers.tau2_suite import write_suite

    print(machine())
    domain = load_domain(args.domain)
    tasks = [t for t in domain.tasks if t.evaluation_criteria is not None][: args.tasks]
    conversations = len(tasks) * args.trials
    with tempfile.TemporaryDirectory() as folder:
        suite_dir = write_suite(domain, Path(folder) / "suite")
        stub = SideBySideStub(tasks, SuiteWorld.from_suite(load_suite(suite_dir)))
        best_tau2 = best_ours = 0.0
        agreement: list[tuple[int, int, int]] = []
        with StubServer(stub, StubConfig(latency_s=LATENCY_MS / 1000)) as server:
            for round_index in range(args.rounds):
                for concurrency in args.tau2_concurrency:
                    calls = len(server.requests)
                    out = Path(folder) / f"tau2-{round_index}-{concurrency}.json"
                    ids = [t.id for t in tasks]
                    theirs = run_tau2(domain.name, ids, args.trials, concurrency, server.base_url, out)
                    calls = len(server.requests) - calls
                    per_hour = conversations / theirs["wall_s"] * 3600
                    best_tau2 = max(best_tau2, per_hour)
                    print(
                        f"A τ² (tau2 run, concurrency {concurrency}): {per_hour:8.0f} conversations/hour, "
                        f"{theirs['cpu_s'] / max(calls, 1) * 1000:6.1f} ms CPU per model call ({calls} calls), "
                        f"peak RSS {theirs['peak_mb']:.0f} MB"
                    )
                    agreement.append(reward_agreement(out, domain))
                calls = len(server.requests)
                ours = run_sparring(suite_dir, len(tasks), args.trials, server.base_url, args.sparring_concurrency)
                calls = len(server.requests) - calls
                per_hour = conversations / ours["wall_s"] * 3600
                best_ours = max(best_ours, per_hour)
                print(
                    f"B Sparring (run_suite, concurrency {args.sparring_concurrency}): "
                    f"{per_hour:8.0f} conversations/hour, "
                    f"{ours['cpu_s'] / max(calls, 1) * 1000:6.1f} ms CPU per model call ({calls} calls), "
                    f"peak RSS {ours['peak_mb']:.0f} MB"
                )
    ratio = best_ours / best_tau2
    agree, compared, rewarded = (sum(x) for x in zip(*agreement, strict=True))
    print(f"reward agreement on τ²'s trajectories: {agree} of {compared} conversations ({rewarded} rewarded 1.0 by τ²)")
    verdict = "ok  " if ratio >= RATIO_TARGET and agree == compared else "MISS"
    print(
        f"{verdict} conversations per hour, Sparring / τ² (best of each): {ratio:.1f}x (target >= {RATIO_TARGET:.0f}x)"
    )
    return 0 if verdict == "ok  " else 1


if __name__ == "__main__":
    sys.exit(main())
