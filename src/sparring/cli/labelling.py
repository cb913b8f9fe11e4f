"""The terminal labelling session (`sparring label`, `sparring discover --accept`): per sampled conversation the
transcript and tool calls, then pass/fail and a note. The judge's verdict is not shown, so it cannot anchor the
labeller; each label is saved as it is given (sparring.calibration.session)."""

from __future__ import annotations

import getpass

import typer
from rich.markup import escape
from rich.panel import Panel

from sparring.calibration import SampledItem, save_answer
from sparring.cli.common import console
from sparring.data_model import AgentTurn, Conversation
from sparring.evaluations import EvaluationSpec
from sparring.store import Store

PROMPT = "label: [p]ass, [f]ail, [s]kip, [q]uit"


def default_labeller() -> str:
    """The login name, or "anonymous" when there is none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"


def show_conversation(conversation: Conversation) -> None:
    """Print a transcript: numbered turns, the agent's tool calls (answers cut at 400 characters) before its reply."""
    for index, turn in enumerate(conversation.turns, start=1):
        if isinstance(turn, AgentTurn):
            for call in turn.tool_calls:
                answer = f"error: {call.error}" if call.error else str(call.result)
                arguments = escape(str(call.arguments))
                line = f"[dim]\\[{index}] tool {escape(call.name)}({arguments}) → {escape(answer[:400])}[/]"
                console.print(line, highlight=False)
            console.print(f"[bold cyan]\\[{index}] AGENT:[/] {escape(turn.content)}", highlight=False)
        else:
            console.print(f"[bold yellow]\\[{index}] CUSTOMER:[/] {escape(turn.content)}", highlight=False)


def _ask() -> str:
    """One of p, f, s, q: asked again until the answer starts with one of them."""
    answer = ""
    while answer not in ("p", "f", "s", "q"):
        answer = typer.prompt(PROMPT).strip().lower()[:1]
    return answer


def labelling_session(store: Store, spec: EvaluationSpec, policy: str, chosen: list[SampledItem], who: str) -> int:
    """Ask `who` to label each of `chosen` for `spec` after showing the policy; [q]uit stops early. Prints and
    returns how many labels were saved."""
    question = spec.criterion or spec.description
    console.print(Panel(escape(policy.strip()), title="policy", expand=False))
    saved = 0
    for number, item in enumerate(chosen, start=1):
        console.rule(f"{number}/{len(chosen)} · {item.verdict.conversation_id}")
        show_conversation(store.conversation(item.verdict.conversation_id))
        console.print(f"\n[bold]{escape(spec.id)}[/]: {escape(question)}")
        answer = _ask()
        if answer == "q":
            break
        if answer == "s":
            continue
        note = typer.prompt("note (optional)", default="", show_default=False)
        save_answer(store, item, "pass" if answer == "p" else "fail", note, who)
        saved += 1
    console.print(f"{saved} label(s) saved for {spec.id} by {who}")
    return saved
