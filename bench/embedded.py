"""Embedded-model figures for bench/runner.py: framework overhead against bare llama-cpp-python, the speed-up from
KV prefix reuse, extraction answers valid against their schema, and the README's offline demo end to end (its wall
time, and whether its simulated customers open on their scenario's topic)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path

from demo import run_demo
from runner import CLOCK, Figure

from sparring import AgentTurn, Conversation, CustomerTurn, Message, ToolCallRecord, load_suite
from sparring.data_model import TokenUsage
from sparring.evaluations import Evaluator, Judge
from sparring.extraction import extract_scenarios
from sparring.extraction.extractor import ScenarioExtractor
from sparring.models import ChatModel, ChatRequest, ChatResponse, MeteredModel
from sparring.models._convert import to_openai_messages
from sparring.models.gguf import packaged_model_path
from sparring.models.local import LocalChatModel
from sparring.parsing import parse_model
from sparring.transcripts import read_transcripts

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = [
    "Summarise in two sentences why food deliveries arrive late.",
    "Write a short, polite apology to a customer whose pizza arrived cold.",
    "List three questions a support agent should ask about a missing item.",
    "Explain the difference between a refund and an account credit.",
]


def transcript() -> Conversation:
    order = {
        "order_id": "O-2002",
        "status": "delivered",
        "total": 31.99,
        "delivery_fee": 3.99,
        "items": [{"name": "Pepperoni pizza", "qty": 2, "price": 14.0}],
        "promised_by": "2026-06-01T10:00:00",
    }
    timeline = {
        "current_status": "delivered",
        "minutes_late": 40,
        "events": [{"status": "placed", "at": "08:59"}, {"status": "delivered", "at": "10:40"}],
    }
    return Conversation(
        id="bench",
        run_id="bench",
        scenario_id="late-40min-fee",
        turns=[
            CustomerTurn(
                content="Hi, my order O-2002 came 40 minutes late and my guests were waiting. What can you do?"
            ),
            AgentTurn(
                content="I'm sorry about the wait. Your order was 40 minutes late, so the delivery fee is refundable.",
                tool_calls=[
                    ToolCallRecord(id="1", name="lookup_order", arguments={"order_id": "O-2002"}, result=order),
                    ToolCallRecord(id="2", name="delivery_status", arguments={"order_id": "O-2002"}, result=timeline),
                ],
            ),
            CustomerTurn(content="Only the fee? The whole evening was ruined. Can't you refund everything?"),
            AgentTurn(
                content="Under our policy a full refund applies from 60 minutes late. I've refunded the $3.99 fee.",
                tool_calls=[
                    ToolCallRecord(
                        id="3",
                        name="issue_refund",
                        arguments={"order_id": "O-2002", "amount": 3.99, "reason": "late"},
                        result={"refund_id": "RF-0001", "status": "issued"},
                    )
                ],
            ),
        ],
    )


def generated_tokens_per_s_bare(path: Path) -> float:
    from llama_cpp import Llama

    llama = Llama(model_path=str(path), n_ctx=8192, chat_format="chatml-function-calling", verbose=False)
    llama.create_chat_completion(messages=[{"role": "user", "content": "hi"}], max_tokens=1)  # warm-up
    tokens, seconds = 0, 0.0
    for prompt in PROMPTS:
        llama.reset()
        messages = to_openai_messages([Message(role="user", content=prompt)])
        start = time.perf_counter()
        result = llama.create_chat_completion(messages=messages, temperature=0.0, max_tokens=128, repeat_penalty=1.15)
        seconds += time.perf_counter() - start
        tokens += result["usage"]["completion_tokens"]
    llama.close()
    return tokens / seconds


async def generated_tokens_per_s_sparring() -> float:
    model = LocalChatModel(reuse_prefix=False)
    await model.complete(ChatRequest(messages=[Message(role="user", content="hi")], max_tokens=1))  # warm-up
    tokens, seconds = 0, 0.0
    for prompt in PROMPTS:
        start = time.perf_counter()
        response = await model.complete(
            ChatRequest(messages=[Message(role="user", content=prompt)], temperature=0.0, max_tokens=128)
        )
        seconds += time.perf_counter() - start
        tokens += response.usage.completion_tokens
    await model.aclose()
    return tokens / seconds


async def judge_transcript(reuse_prefix: bool) -> float:
    """The suite's judges on one transcript: the work a conversation's evaluations cost on the embedded model."""
    suite = load_suite(ROOT / "examples" / "food-delivery")
    evaluator = Evaluator([Judge(e, suite.policy, retries=0) for e in suite.evaluations if e.kind == "judge"])
    scenario = next(s for s in suite.scenarios if s.id == "late-40min-fee")
    model = LocalChatModel(reuse_prefix=reuse_prefix)
    await model.complete(ChatRequest(messages=[Message(role="user", content="hi")], max_tokens=1))  # warm-up
    start = time.perf_counter()
    await evaluator.evaluate(transcript(), scenario, suite.snapshot, MeteredModel(model, TokenUsage()), CLOCK)
    elapsed = time.perf_counter() - start
    await model.aclose()
    return elapsed


def _cli_json(*args: str) -> dict:
    done = subprocess.run(["sparring", *args, "--json"], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def where_the_time_goes(usage: dict[str, dict[str, int]], seconds: float) -> str:
    """The demo's model work per role (calls, prompt tokens sent, completion tokens) and the share of its tokens that
    are prompt (sent: a prefix the KV cache reuses is not read again): it says whether a cut must shrink prompts
    or answers."""
    roles = ", ".join(
        f"{role} {u['calls']} calls, {u['prompt_tokens']} prompt + {u['completion_tokens']} completion tokens"
        for role, u in sorted(usage.items())
    )
    prompt = sum(u["prompt_tokens"] for u in usage.values())
    total = prompt + sum(u["completion_tokens"] for u in usage.values())
    return f"demo model work in {seconds:.0f}s: {roles}; prompt tokens sent: {prompt / max(total, 1):.0%} of all tokens"


def demo() -> tuple[float, int, int]:
    """The README's demo command as a newcomer runs it (bench/demo.py: a fresh process and database, so nothing
    comes from the cache): its wall time, and how many of its simulated openings passed `sim_opened_on_topic` of how
    many it decided (units: conversations whose first customer message the simulator wrote; a scenario's given
    opening is not counted). Prints where the time goes (`where_the_time_goes`) and the prompt tokens reused."""
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/demo.db"
        figures = run_demo(db)
        run_id = _cli_json("runs", "--db", db)["runs"][0]["run"]["id"]
        report = _cli_json("report", run_id, "--db", db)
    print(figures.line())
    print(where_the_time_goes(report["usage"], figures.wall_s))
    opening = next(s for s in report["simulator_evaluations"] if s["evaluation_id"] == "sim_opened_on_topic")
    return figures.wall_s, opening["passed"], opening["passed"] + opening["failed"] + opening["errors"]


class RecordingModel(ChatModel):
    """The embedded model, keeping every answer it gives (to check each against the extraction schema)."""

    def __init__(self, model: ChatModel) -> None:
        self.model, self.name = model, model.name
        self.max_concurrency, self.cancellable = model.max_concurrency, model.cancellable
        self.answers: list[ChatResponse] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        response = await self.model.complete(request)
        self.answers.append(response)
        return response


def extraction() -> tuple[int, int, int, int, float]:
    """`scenarios extract` on the repository's realistic support chats (tests/fixtures/transcripts) with the
    embedded model, one attempt each: answers that are complete and valid against the suite's extraction schema,
    answers, transcripts that became scenarios (the backend data must also check out), transcripts, seconds."""
    suite = load_suite(ROOT / "examples" / "food-delivery")
    transcripts = read_transcripts(ROOT / "tests" / "fixtures" / "transcripts" / "support_chats.jsonl").transcripts
    model = RecordingModel(LocalChatModel())
    start = time.perf_counter()
    results = asyncio.run(extract_scenarios(suite, transcripts, MeteredModel(model, TokenUsage()), retries=0))
    seconds = time.perf_counter() - start
    asyncio.run(model.model.aclose())
    answer_model = ScenarioExtractor(suite, MeteredModel(model, TokenUsage())).answer_model
    valid = 0
    for answer in model.answers:
        try:
            valid += not answer.truncated and bool(parse_model(answer.content, answer_model))
        except ValueError as exc:
            print(f"schema-invalid extraction answer: {exc}")
    made = sum(r.scenario is not None for r in results)
    return valid, len(model.answers), made, len(transcripts), seconds


def bench_embedded(rounds: int = 3) -> list[Figure]:
    bare, through = 0.0, 0.0
    for _ in range(rounds):  # alternate, keep the best of each: the machine's speed drifts
        bare = max(bare, generated_tokens_per_s_bare(packaged_model_path("smollm2")))
        through = max(through, asyncio.run(generated_tokens_per_s_sparring()))
    print(
        f"embedded model, generated tokens/s (best of {rounds}): bare llama-cpp-python {bare:.1f}, "
        f"through Sparring {through:.1f}"
    )
    off = asyncio.run(judge_transcript(reuse_prefix=False))
    on = asyncio.run(judge_transcript(reuse_prefix=True))
    print(f"the demo suite's judges on one transcript: {off:.1f}s without prefix reuse, {on:.1f}s with it")
    valid, answers, made, transcripts, extract_s = extraction()
    print(
        f"extraction, embedded model, one attempt per transcript: {valid} of {answers} answers schema-valid; "
        f"{made} of {transcripts} transcripts became scenarios (backend data checked too); {extract_s:.0f}s"
    )
    seconds, on_topic, openings = demo()
    print(f"README offline demo: {seconds:.0f}s; simulated openings on topic: {on_topic} of {openings} conversations")
    return [
        Figure("embedded generated tokens/s, Sparring / bare", through / bare, 0.9, True),
        Figure("KV prefix reuse speed-up (the suite's judges, one transcript)", off / on, 1.5, True, "x"),
        Figure("extraction answers valid against their schema (share)", valid / max(answers, 1), 1.0, True),
        Figure("README offline demo wall time", seconds, 180, False, " s"),
        Figure("demo openings on topic (share of conversations)", on_topic / max(openings, 1), 0.9, True),
    ]


if __name__ == "__main__":
    for figure in bench_embedded():
        print(figure.json())
