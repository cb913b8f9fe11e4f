"""The estimate of a run before it runs (`sparring run --dry-run`): its conversations, and per role the calls,
tokens and dollars they could take at most. Nothing is run, opened or written."""

from __future__ import annotations

from dataclasses import dataclass

from sparring.data_model import ModelSettings
from sparring.runner.cost import RoleEstimate, estimate_conversation
from sparring.runner.plan import RunOptions, judge_answers, select_evaluations, select_scenarios
from sparring.runner.roles import check_openings_taken, model_settings
from sparring.suite import Suite


@dataclass
class RunEstimate:
    """Upper bounds for a whole run: `conversations` (scenarios × trials) times one conversation's estimate
    per role (`per_role`, already multiplied), with the models that play each role; a model without a price
    counts as free and is named in `unpriced`."""

    conversations: int
    settings: ModelSettings
    per_role: dict[str, RoleEstimate]
    unpriced: list[str]

    @property
    def cost_usd(self) -> float:
        """The run's upper-bound cost in US$ (unpriced models counted as free)."""
        return sum(e.cost_usd for e in self.per_role.values())


def estimate_run(suite: Suite, options: RunOptions) -> RunEstimate:
    """The upper bound of a run of `suite` with `options` (see `estimate_conversation`): a bad model choice,
    scenario or evaluation id is a ValueError (or ModelError), as the run itself would raise."""
    settings, scenarios = model_settings(suite, options.models), select_scenarios(suite, options)
    check_openings_taken(suite, settings, scenarios)
    conversations = len(scenarios) * options.trials
    judges = judge_answers(select_evaluations(suite, options.evaluation_ids))
    max_turns = options.max_turns or suite.config.simulation.max_turns
    one = estimate_conversation(suite, settings, max_turns, judges)
    per_role = {
        role: RoleEstimate(
            calls=e.calls * conversations,
            prompt_tokens=e.prompt_tokens * conversations,
            completion_tokens=e.completion_tokens * conversations,
            cost_usd=e.cost_usd * conversations,
        )
        for role, e in one.items()
    }
    unpriced = sorted({getattr(settings, role) for role in per_role} - set(suite.config.models.prices))
    return RunEstimate(conversations, settings, per_role, unpriced)
