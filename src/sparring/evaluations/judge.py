"""LLM-judge evaluations: structured answer, reasoning before verdict, retried, never a silent pass."""

from __future__ import annotations

from sparring.data_model import Conversation, Message, Outcome, Verdict
from sparring.evaluations.spec import EvaluationSpec
from sparring.models.base import ChatRequest, MeteredModel, ModelError, ModelUnreachable
from sparring.parsing import extract_json_object
from sparring.prompts import PromptTemplate, load_prompt, package_prompt

DEFAULT_JUDGE_PROMPT = package_prompt(__file__, "judge.j2")
RETRY_PROMPT = package_prompt(__file__, "judge_retry.j2")
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {
        "reasoning": {"type": "string", "maxLength": 600},
        "verdict": {"type": "string", "enum": ["pass", "fail", "not_applicable"]},
    },
    "required": ["reasoning", "verdict"],
}
_VERDICT_WORDS = {
    "pass": Outcome.PASS,
    "fail": Outcome.FAIL,
    "not_applicable": Outcome.NOT_APPLICABLE,
    "not applicable": Outcome.NOT_APPLICABLE,
    "n/a": Outcome.NOT_APPLICABLE,
}


class JudgeParseError(ValueError):
    pass


def parse_judge_answer(text: str) -> tuple[Outcome, str]:
    """Read a judge's JSON answer. A missing or unknown verdict is an error, never a pass."""
    data = extract_json_object(text)
    if data is None:
        raise JudgeParseError(f"no JSON object in the answer: {text[:200]!r}")
    raw = next((data[k] for k in ("verdict", "outcome", "result") if k in data), None)
    if not isinstance(raw, str) or raw.strip().lower() not in _VERDICT_WORDS:
        raise JudgeParseError(f"missing or unknown verdict {raw!r} in {text[:200]!r}")
    reasoning = data.get("reasoning", "")
    return _VERDICT_WORDS[raw.strip().lower()], str(reasoning)


class Judge:
    """Judges one evaluation spec; the prompt hash goes into every verdict."""

    def __init__(self, spec: EvaluationSpec, policy: str, retries: int = 2) -> None:
        self.spec = spec
        self.policy = spec.policy or policy
        self.retries = retries
        self.template: PromptTemplate = load_prompt(spec.template) if spec.template else DEFAULT_JUDGE_PROMPT

    async def judge(self, conversation: Conversation, transcript: str, model: MeteredModel) -> Verdict:
        prompt = self.template.render(transcript=transcript, policy=self.policy, criterion=self.spec.criterion)
        first = Message(role="user", content=prompt)
        messages = [first]
        problem = ""
        attempts = 0
        for attempts in range(1, self.retries + 2):
            request = ChatRequest(
                messages=messages, response_schema=VERDICT_SCHEMA, schema_name="verdict", max_tokens=300
            )
            try:
                response = await model.complete(request)
            except ModelUnreachable:
                raise
            except ModelError as exc:
                problem = str(exc)
                continue
            try:
                outcome, reasoning = parse_judge_answer(response.content)
            except JudgeParseError as exc:
                problem = str(exc)
                # Show the judge its answer and what was wrong: a different request, so neither the model
                # at temperature 0 nor the cache can hand back the same unusable answer.
                retry = Message(role="user", content=RETRY_PROMPT.render(problem=problem))
                messages = [first, Message(role="assistant", content=response.content), retry]
                continue
            return self._verdict(conversation, outcome, reasoning, attempts, model.name)
        reasoning = f"judge failed after {attempts} attempts: {problem}"
        return self._verdict(conversation, Outcome.ERROR, reasoning, attempts, model.name)

    def _verdict(
        self, conversation: Conversation, outcome: Outcome, reasoning: str, attempts: int, model: str
    ) -> Verdict:
        return Verdict(
            evaluation_id=self.spec.id,
            conversation_id=conversation.id,
            outcome=outcome,
            reasoning=reasoning,
            judge_model=model,
            prompt_hash=self.template.hash,
            attempts=attempts,
        )
