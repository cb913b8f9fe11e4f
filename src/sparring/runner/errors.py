"""Errored conversations by cause: which a resume tries again, and whether a run is still green."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparring.data_model import ErrorKind
from sparring.store import Store

RETRY_CHOICES = {
    "model": {ErrorKind.MODEL_FAULT.value},
    "all": {kind.value for kind in ErrorKind},
    "none": set(),
}


def retry_kinds(choice: str) -> set[str]:
    """The error causes `--retry-errors CHOICE` tries again on resume."""
    if choice not in RETRY_CHOICES:
        raise ValueError(f"--retry-errors {choice!r}: one of {', '.join(RETRY_CHOICES)}")
    return RETRY_CHOICES[choice]


@dataclass
class ErrorSummary:
    """A run's errored conversations by cause, counted over everything stored for it."""

    conversations: int = 0
    by_cause: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_run(cls, store: Store, run_id: str) -> ErrorSummary:
        """Counted in the store, so a resumed run's earlier conversations count too."""
        total, counts = store.error_counts(run_id)
        return cls(total, {k: n for k, (n, _) in counts.items()}, {k: e for k, (_, e) in counts.items()})

    @property
    def errored(self) -> int:
        """Errored conversations, all causes together."""
        return sum(self.by_cause.values())

    def too_many(self, max_error_rate: float) -> bool:
        """More errored conversations than the suite tolerates (`max_error_rate`, a share of the run's)."""
        return self.errored > 0 and self.errored > max_error_rate * self.conversations

    def line(self) -> str:
        """e.g. "9 of 10 conversations errored: chatbot_error 9 (HTTPError: 500 ...)"."""
        causes = ", ".join(
            f"{kind} {count} ({_short(self.examples.get(kind, ''))})"
            for kind, count in sorted(self.by_cause.items(), key=lambda item: -item[1])
        )
        return f"{self.errored} of {self.conversations} conversations errored: {causes}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
