"""The one shape every evaluation has: an LLM judge and a deterministic check are two implementations of
`Evaluation`, and the `Evaluator` runs a list of them without asking which kind each one is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from sparring.backend import BackendFactory, Tool
from sparring.data_model import Conversation, Outcome, Scenario, Verdict
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import RenderedTranscript, render_transcript
from sparring.models import MeteredModel


@dataclass
class SuiteFacts:
    """What checks may read about the suite beyond the conversation: its policy, tools and tool lists, and the
    factory of its backend (what `CheckContext.tool` and replays run on; None for a context built by hand)."""

    policy: str
    tools: dict[str, Tool] = field(default_factory=dict)
    action_tools: list[str] = field(default_factory=list)
    handoff_tools: list[str] = field(default_factory=list)
    backend: BackendFactory | None = None


@dataclass(frozen=True)
class EvaluationContext:
    """Everything an evaluation may read besides the conversation itself.

    Attributes:
        scenario: the scenario the conversation played (for imported transcripts, a stand-in).
        conversation: the conversation evaluated.
        initial_state: the mock backend before the conversation; None for an imported (real) transcript.
        judge_model: the model judges ask; checks never call it.
        now: the backend clock of the run.
        uncut_tools: tools whose answers judges read whole (`render_transcript`'s `uncut`).
    """

    scenario: Scenario
    conversation: Conversation
    initial_state: Mapping[str, Any] | None
    judge_model: MeteredModel
    now: datetime
    uncut_tools: frozenset[str] = frozenset()

    @cached_property
    def transcript(self) -> RenderedTranscript:
        """The conversation rendered once for every judge (same text, same boundary tag); rendered when a judge
        first reads it, so a run of checks only renders none."""
        return render_transcript(self.conversation, uncut=self.uncut_tools)

    @property
    def has_backend_state(self) -> bool:
        """False for an imported transcript: there was no mock backend to read."""
        return self.initial_state is not None


class SpecBacked:
    """What an evaluation built from an `EvaluationSpec` reads off it: its id, family and applicability."""

    spec: EvaluationSpec

    @property
    def id(self) -> str:
        """The evaluation id verdicts are filed under."""
        return self.spec.id

    @property
    def family(self) -> str:
        """Its family; `simulator` evaluations judge the simulated customer, not the chatbot."""
        return self.spec.family

    def applies_to(self, scenario: Scenario) -> bool:
        """Whether the scenario's tags make this evaluation apply (no `applies_to` tags: every scenario)."""
        return self.spec.applies(scenario.tags)


@runtime_checkable
class Evaluation(Protocol):
    """One narrow binary question about a whole conversation, answered by a verdict.

    Implementations: `Judge` (an LLM answers; its verdicts carry the judge model and prompt hash) and
    `Check` (a Python function answers; its verdicts carry the function's qualified name).
    """

    @property
    def spec(self) -> EvaluationSpec:
        """The declaration this evaluation was built from (id, family, description, applies_to...)."""
        ...

    @property
    def id(self) -> str:
        """The evaluation id verdicts are filed under."""
        ...

    @property
    def family(self) -> str:
        """Its family; `simulator` evaluations judge the simulated customer, not the chatbot."""
        ...

    def applies_to(self, scenario: Scenario) -> bool:
        """Whether the scenario's tags make this evaluation apply (no `applies_to` tags: every scenario)."""
        ...

    def verdict(self, conversation: Conversation, outcome: Outcome, reasoning: str) -> Verdict:
        """A verdict reached without evaluating (not applicable, or an evaluation that raised), recording
        what would have produced it as far as that is known without a model call."""
        ...

    async def evaluate(self, conversation: Conversation, context: EvaluationContext) -> Verdict:
        """Judge the conversation; a problem of the evaluation itself may raise (the Evaluator records an
        error verdict), an unreachable judge endpoint raises `ModelUnreachable` (a fault of the run)."""
        ...
