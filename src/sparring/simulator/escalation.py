"""The customer's escalation policy, as code: what to do next given the per-turn analysis.

Kept out of the prompt so it can be unit-tested and so every model, strong or weak, escalates the
same way: ask for a human only after `patience` unhelpful agent turns in a row, calm down when
progress resumes, give up when a requested hand-off does not come.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sparring.data_model import CustomerAnalysis


class Action(StrEnum):
    """What the customer does next: go on (and how), or end the conversation (and why)."""

    CONTINUE = "continue"
    PROVIDE_INFO = "provide_info"
    PUSH_BACK = "push_back"
    ASK_FOR_HUMAN = "ask_for_human"
    END_RESOLVED = "end_resolved"
    END_GAVE_UP = "end_gave_up"
    END_ESCALATED = "end_escalated"

    @property
    def ends(self) -> bool:
        """Whether this action ends the conversation."""
        return self.value.startswith("end_")


DIRECTIVES = {
    Action.CONTINUE: "Carry on towards your desired outcome; answer what the agent asked, if anything.",
    Action.PROVIDE_INFO: "The agent needs information from you: give what they asked for, if you know it.",
    Action.PUSH_BACK: "The agent is not helping. Push back politely but firmly, restate what you need.",
    Action.ASK_FOR_HUMAN: "You have run out of patience. Ask clearly to speak to a human agent.",
}


@dataclass
class EscalationPolicy:
    """The simulated customer's escalation state: `patience` unhelpful agent turns in a row before asking for a
    human, then `give_up_after` more before leaving."""

    patience: int
    give_up_after: int = 2  # unhelpful turns after asking for a human before leaving

    unhelpful_streak: int = 0
    asked_for_human: bool = False
    unhelpful_since_ask: int = 0

    def decide(self, analysis: CustomerAnalysis, agent_handed_off: bool = False) -> Action:
        """The next action, given the customer's analysis of the agent's last turn."""
        if agent_handed_off:
            return Action.END_ESCALATED
        if analysis.issue_addressed:
            return Action.END_RESOLVED
        unhelpful = analysis.going_in_circles or not analysis.progressing
        if not unhelpful:
            # Progress resumed: calm down and re-engage.
            self.unhelpful_streak = 0
            self.asked_for_human = False
            self.unhelpful_since_ask = 0
            return Action.PROVIDE_INFO if analysis.needs_to_provide_info else Action.CONTINUE
        self.unhelpful_streak += 1
        if self.asked_for_human:
            self.unhelpful_since_ask += 1
            if self.unhelpful_since_ask >= self.give_up_after:
                return Action.END_GAVE_UP
            return Action.ASK_FOR_HUMAN
        if self.unhelpful_streak >= self.patience:
            self.asked_for_human = True
            return Action.ASK_FOR_HUMAN
        return Action.PROVIDE_INFO if analysis.needs_to_provide_info else Action.PUSH_BACK
