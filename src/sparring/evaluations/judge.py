"""LLM-judge evaluations: structured answer, reasoning before verdict, retried, never a silent pass.

With `judge_samples: k` the judge is asked k times (sampled, not greedy) and the majority wins; every
sample is kept, and a verdict whose samples disagree too much is flagged unstable.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from sparring.data_model import Conversation, JudgeSample, Message, Outcome, Scenario, Verdict
from sparring.evaluations.protocol import EvaluationContext, SpecBacked
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import RenderedTranscript
from sparring.models import ChatRequest, MeteredModel, answer_schema, ask_until_valid, token_budget
from sparring.parsing import NotOneObject, only_json_object
from sparring.prompts import PromptTemplate, load_prompt, package_prompt

PROMPTS = Path(__file__).parent / "prompts"
DEFAULT_JUDGE_PROMPT = package_prompt(__file__, "judge.j2")
RETRY_PROMPT = package_prompt(__file__, "judge_retry.j2")
SAMPLING_TEMPERATURE = 0.7  # for judge_samples > 1: greedy decoding would give k identical answers
UNSTABLE_BELOW = 0.75  # agreement under this flags the verdict unstable (2 of 3, 3 of 5)
# Ties never resolve to a pass: a judge that cannot make up its mind has not shown the criterion holds.
_TIE_ORDER = (Outcome.FAIL, Outcome.NOT_APPLICABLE, Outcome.PASS)


class VerdictAnswer(BaseModel):
    """A judge's answer as its grammar makes the model write it: reasoning first, then the verdict."""

    reasoning: str = Field(..., max_length=600)
    verdict: Literal["pass", "fail", "not_applicable"]


VERDICT_SCHEMA = answer_schema(VerdictAnswer)
VERDICT_BUDGET = token_budget(VERDICT_SCHEMA)
_VERDICT_WORDS = {
    "pass": Outcome.PASS,
    "fail": Outcome.FAIL,
    "not_applicable": Outcome.NOT_APPLICABLE,
    "not applicable": Outcome.NOT_APPLICABLE,  # spellings of n/a a model without the grammar writes: never a pass
    "n/a": Outcome.NOT_APPLICABLE,
}
_ANSWER_KEYS = set(VERDICT_SCHEMA["properties"])  # exactly the schema's keys: reasoning and verdict


class JudgeParseError(ValueError):
    """A judge's answer that carries no usable verdict (retried, then an error verdict, never a pass)."""


def parse_judge_answer(text: str) -> tuple[Outcome, str]:
    """Read a judge's answer. The verdict is the judge's own answer object only: the answer must be exactly one
    JSON object (a code fence around it allowed), with exactly the schema's keys, each once, a reasoning with at
    least one word, and a verdict "pass", "fail" or "not_applicable" ("n/a" too). Anything else — prose around the
    object (a refusal that echoes the answer format), a second object (a verdict quoted before or after its own), a
    duplicate key, an alias key, an answer cut short — is unusable: retried, then an error, never a pass."""
    try:
        data = only_json_object(text)
    except NotOneObject as exc:
        raise JudgeParseError(f"{exc}: {_excerpt(text)}") from exc
    if set(data) != _ANSWER_KEYS:
        raise JudgeParseError(f"the answer object needs exactly the keys reasoning and verdict, got {sorted(data)}")
    raw, reasoning = data["verdict"], data["reasoning"]
    if not isinstance(reasoning, str) or not re.search(r"\w", reasoning):
        raise JudgeParseError(f"the reasoning must be text that gives a reason, got {reasoning!r:.80}")
    if not isinstance(raw, str) or raw.strip().lower() not in _VERDICT_WORDS:
        raise JudgeParseError(f'the verdict must be "pass", "fail" or "not_applicable", got {raw!r:.80}')
    return _VERDICT_WORDS[raw.strip().lower()], reasoning


def _excerpt(text: str) -> str:
    """The start and, when long, the end of an unusable answer, for the retry prompt and the error verdict."""
    return repr(text) if len(text) <= 200 else f"{text[:120]!r} … {text[-60:]!r}"


def majority(samples: list[JudgeSample]) -> tuple[Outcome, float]:
    """The majority outcome over the samples that answered, and the share of all samples agreeing. When
    half or more of the samples are unusable the verdict is an error: a pass must stand on most samples."""
    counts: Counter[Outcome] = Counter(s.outcome for s in samples if s.outcome != Outcome.ERROR)
    if sum(counts.values()) * 2 <= len(samples):
        # Most samples could not be used: too little to stand on, whatever the rest said.
        return Outcome.ERROR, (max(counts.values()) / len(samples)) if counts else 0.0
    top = max(counts.values())
    winner = next(o for o in _TIE_ORDER if counts.get(o) == top)
    return winner, top / len(samples)


def judge_template(spec: EvaluationSpec) -> PromptTemplate:
    """The evaluation's own template (which may extend judge.j2), or the generic judge frame."""
    return load_prompt(spec.template, (str(PROMPTS),)) if spec.template else DEFAULT_JUDGE_PROMPT


def describe_scenario(scenario: Scenario) -> str:
    """The simulated customer's brief, for judges of the simulator's side."""
    facts = "; ".join(f"{f.key}: {f.value} ({f.reveal.replace('_', ' ')})" for f in scenario.known_facts) or "none"
    persona = scenario.persona
    return (
        f"Persona: {', '.join(persona.traits) or 'unspecified'}; writes {persona.style or 'plainly'}; "
        f"patience {persona.patience}.\nSituation: {scenario.situation}\n"
        f"Desired outcome: {scenario.desired_outcome}\nKnown facts: {facts}\n"
        f"Does not know: {'; '.join(scenario.unknown_facts) or 'nothing listed'}"
        + "".join(
            f"\n{label}:" + "".join(f"\n- {item}" for item in items) for label, items in _listed(scenario) if items
        )
    )


def _listed(scenario: Scenario) -> list[tuple[str, list[str]]]:
    """The scenario's lists a judge may be asked about, shown only when set (other briefs stay as they were)."""
    return [
        ("Customer rules", scenario.customer_rules),
        ("Must communicate", scenario.must_communicate),
        ("Assertions", scenario.assertions),
    ]


def judge_prompt_hash(template: PromptTemplate, criterion: str, policy: str) -> str:
    """The version of everything that shapes the judge's prompt: the template with every file it extends or
    includes (few-shot examples live there), the criterion, the policy, the answer schema and the retry
    prompt. A calibration is valid only for this hash (and the judge model)."""
    digest = hashlib.sha256()
    schema = json.dumps(VERDICT_SCHEMA, sort_keys=True)
    for part in (template.hash, RETRY_PROMPT.hash, criterion, policy, schema):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:12]


class Judge(SpecBacked):
    """An LLM-judged evaluation: its verdicts carry the judge model and the prompt hash."""

    def __init__(self, spec: EvaluationSpec, policy: str, retries: int = 2) -> None:
        self.spec = spec
        self.policy = spec.policy or policy
        self.retries = retries
        self.template = judge_template(spec)
        self.prompt_hash = judge_prompt_hash(self.template, self.spec.criterion or "", self.policy)

    def verdict(self, conversation: Conversation, outcome: Outcome, reasoning: str) -> Verdict:
        """A verdict reached without asking the model (not applicable, or raised): no model is named."""
        return Verdict(evaluation_id=self.id, conversation_id=conversation.id, outcome=outcome, reasoning=reasoning)

    async def evaluate(self, conversation: Conversation, context: EvaluationContext) -> Verdict:
        """Ask the context's judge model about the conversation (the `Evaluation` entry point)."""
        return await self.judge(conversation, context.transcript, context.judge_model, context.scenario)

    def prompt(self, transcript: RenderedTranscript, scenario: Scenario | None = None) -> str:
        """The prompt sent for this transcript (and the simulated customer's brief, for simulator judges)."""
        return self.template.render(
            transcript=transcript.text,
            boundary=transcript.boundary,
            policy=self.policy,
            criterion=self.spec.criterion or "",
            scenario=describe_scenario(scenario) if scenario else "(no scenario: a real conversation)",
        )

    async def judge(
        self,
        conversation: Conversation,
        transcript: RenderedTranscript,
        model: MeteredModel,
        scenario: Scenario | None = None,
    ) -> Verdict:
        """Ask `model` (k times with judge_samples: k, majority vote) and return the verdict."""
        prompt = self.prompt(transcript, scenario)
        k = self.spec.judge_samples
        samples: list[JudgeSample] = []
        attempts = 0
        for index in range(k):
            sample, used = await self._ask(prompt, model, index if k > 1 else None)
            samples.append(sample)
            attempts += used
        verdict = Verdict(
            evaluation_id=self.spec.id,
            conversation_id=conversation.id,
            outcome=samples[0].outcome,
            reasoning=samples[0].reasoning,
            judge_model=model.name,
            prompt_hash=self.prompt_hash,
            attempts=attempts,
        )
        if k == 1:
            return verdict
        outcome, agreement = majority(samples)
        reasoning = next((s.reasoning for s in samples if s.outcome == outcome), samples[0].reasoning)
        votes = ", ".join(f"{o.value} {n}" for o, n in Counter(s.outcome for s in samples).most_common())
        return verdict.model_copy(
            update={
                "outcome": outcome,
                "reasoning": f"{reasoning} [votes: {votes}]",
                "samples": samples,
                "agreement": agreement,
                "unstable": agreement < UNSTABLE_BELOW,
            }
        )

    async def _ask(self, prompt: str, model: MeteredModel, sample: int | None) -> tuple[JudgeSample, int]:
        """One answer, retried when unusable: (the sample, attempts used)."""
        request = ChatRequest(
            messages=[Message(role="user", content=prompt)],
            response_schema=VERDICT_SCHEMA,
            schema_name="verdict",
            max_tokens=VERDICT_BUDGET,
        )
        if sample is not None:
            request = request.model_copy(update={"sample": sample, "seed": sample, "temperature": SAMPLING_TEMPERATURE})
        answer = await ask_until_valid(model, request, parse_judge_answer, RETRY_PROMPT, self.retries)
        if answer.value is None:
            failure = f"judge failed after {answer.attempts} attempts: {answer.problem}"
            return JudgeSample(outcome=Outcome.ERROR, reasoning=failure), answer.attempts
        outcome, reasoning = answer.value
        return JudgeSample(outcome=outcome, reasoning=reasoning), answer.attempts
