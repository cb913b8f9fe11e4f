"""How far simulated conversations are from real ones (reports): side-by-side statistics, vocabulary
overlap, a classifier two-sample test, and offline (simulated) vs online (real) pass rates."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from pydantic import BaseModel
from scipy import stats

from sparring.analysis.pass_rates import EvaluationSummary
from sparring.data_model import AgentTurn, Conversation, CustomerTurn

_HANDOFF_WORDS = re.compile(r"\b(escalat\w*|transfer\w*|colleague|human agent|specialist|supervisor)\b", re.I)
_SATISFIED = re.compile(r"\b(thanks?|thank you|thx|great|perfect|ok(ay)?|cheers|appreciated?|sorted)\b", re.I)
_WORDS = re.compile(r"[a-z][a-z']+")


class SideStats(BaseModel):
    conversations: int
    turns_mean: float
    turns_median: float
    customer_words_mean: float
    customer_words_median: float
    escalation_rate: float  # a hand-off tool call, or the agent saying it escalates or transfers
    satisfied_ending_rate: float  # the customer's last message sounds satisfied (same rule on both sides)
    tool_call_share: float


class OnlineComparison(BaseModel):
    evaluation_id: str
    simulated: float | None
    real: float | None
    difference: float | None


class RealismReport(BaseModel):
    """Simulated against real customers (units: customer messages and conversations): each side's statistics,
    vocabulary overlap, a classifier's cross-validated accuracy telling them apart (0.5: indistinguishable), and
    per-evaluation pass rates offline and online when both were judged."""

    simulated: SideStats
    real: SideStats
    vocabulary_jaccard: float
    simulated_vocabulary_seen_in_real: float
    classifier_accuracy: float | None  # cross-validated; 0.5 means simulated and real read the same
    classifier_messages: int
    online: list[OnlineComparison] = []
    pearson: float | None = None
    spearman: float | None = None


def _customer_messages(conversations: Iterable[Conversation]) -> list[str]:
    return [t.content for c in conversations for t in c.turns if isinstance(t, CustomerTurn) and t.content.strip()]


def side_stats(conversations: list[Conversation], handoff_tools: Iterable[str] = ()) -> SideStats:
    handoffs = set(handoff_tools)
    turns = [len(c.turns) for c in conversations] or [0]
    words = [len(m.split()) for m in _customer_messages(conversations)] or [0]

    def escalated(c: Conversation) -> bool:
        return any(call.name in handoffs for call in c.tool_calls()) or any(
            _HANDOFF_WORDS.search(t.content) for t in c.agent_turns()
        )

    def satisfied(c: Conversation) -> bool:
        last = next((t for t in reversed(c.turns) if isinstance(t, CustomerTurn)), None)
        return last is not None and bool(_SATISFIED.search(last.content))

    n = max(1, len(conversations))
    return SideStats(
        conversations=len(conversations),
        turns_mean=float(np.mean(turns)),
        turns_median=float(statistics.median(turns)),
        customer_words_mean=float(np.mean(words)),
        customer_words_median=float(statistics.median(words)),
        escalation_rate=sum(escalated(c) for c in conversations) / n,
        satisfied_ending_rate=sum(satisfied(c) for c in conversations) / n,
        tool_call_share=sum(any(isinstance(t, AgentTurn) and t.tool_calls for t in c.turns) for c in conversations) / n,
    )


def classifier_two_sample(a: list[str], b: list[str], seed: int = 0, folds: int = 5) -> tuple[float | None, int]:
    """Can a simple classifier (TF-IDF + logistic regression) tell the two samples apart? Cross-validated
    accuracy on balanced samples: about 0.5 when it cannot, near 1.0 when they differ plainly."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    size = min(len(a), len(b))
    if size < folds:
        return None, 2 * size
    rng = np.random.default_rng(seed)
    texts = [a[i] for i in rng.choice(len(a), size, replace=False)] + [
        b[i] for i in rng.choice(len(b), size, replace=False)
    ]
    labels = [0] * size + [1] * size
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=1), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(model, texts, labels, cv=cv, scoring="accuracy"))), 2 * size


def online_comparison(
    simulated: list[EvaluationSummary], real: list[EvaluationSummary]
) -> tuple[list[OnlineComparison], float | None, float | None]:
    """Per evaluation, the pass rate offline (simulated) and online (real), and their correlation across
    evaluations: whether what improves offline is what improves in production."""
    real_by_id = {s.evaluation_id: s for s in real}
    rows = []
    for s in simulated:
        r = real_by_id.get(s.evaluation_id)
        real_rate = r.pass_rate if r else None
        difference = None if s.pass_rate is None or real_rate is None else real_rate - s.pass_rate
        rows.append(
            OnlineComparison(
                evaluation_id=s.evaluation_id, simulated=s.pass_rate, real=real_rate, difference=difference
            )
        )
    paired = [(r.simulated, r.real) for r in rows if r.simulated is not None and r.real is not None]
    if len(paired) < 3 or len({p[0] for p in paired}) < 2 or len({p[1] for p in paired}) < 2:
        return rows, None, None
    x, y = zip(*paired, strict=True)
    return rows, float(stats.pearsonr(x, y).statistic), float(stats.spearmanr(x, y).statistic)


def realism(
    simulated: list[Conversation], real: list[Conversation], handoff_tools: Iterable[str] = (), seed: int = 0
) -> RealismReport:
    """How realistic the simulated customers are next to the real ones (see `RealismReport`); `seed` fixes which
    messages the classifier samples and how its folds split them."""
    tools = list(handoff_tools)
    sim_messages, real_messages = _customer_messages(simulated), _customer_messages(real)
    sim_vocab = {w for m in sim_messages for w in _WORDS.findall(m.lower())}
    real_vocab = {w for m in real_messages for w in _WORDS.findall(m.lower())}
    union = sim_vocab | real_vocab
    accuracy, n = classifier_two_sample(sim_messages, real_messages, seed)
    return RealismReport(
        simulated=side_stats(simulated, tools),
        real=side_stats(real, tools),
        vocabulary_jaccard=len(sim_vocab & real_vocab) / len(union) if union else 0.0,
        simulated_vocabulary_seen_in_real=len(sim_vocab & real_vocab) / len(sim_vocab) if sim_vocab else 0.0,
        classifier_accuracy=accuracy,
        classifier_messages=n,
    )


def plot_distributions(
    simulated: list[Conversation], real: list[Conversation], target: Path | BinaryIO, fmt: str | None = None
) -> None:
    """Turns per conversation and words per customer message, simulated against real."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for conversations, name in ((simulated, "simulated"), (real, "real")):
        left.hist([len(c.turns) for c in conversations], bins=range(0, 22), alpha=0.55, density=True, label=name)
        right.hist(
            [len(m.split()) for m in _customer_messages(conversations)], bins=30, alpha=0.55, density=True, label=name
        )
    left.set_title("turns per conversation", loc="left")
    right.set_title("words per customer message", loc="left")
    for axes in (left, right):
        axes.legend()
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, format=fmt)
    plt.close(figure)
