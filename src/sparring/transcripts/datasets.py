"""Readers for two public dialogue datasets (see formats.py for the common ones):

- taskmaster4: Google's Taskmaster-4 dialogues (a JSON list; API calls annotated on user turns).
- abcd: ASAPP's ABCD dialogues (a JSON list; `original` holds [speaker, text] pairs, speaker agent, customer or
  action)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from sparring.transcripts.builder import TurnBuilder
from sparring.transcripts.fields import items, obj, text_value
from sparring.transcripts.formats import arguments_of, decoded, finish_transcript, load_json_list, role_of
from sparring.transcripts.model import Transcript

Entries = Iterator[tuple[int, Callable[[], Transcript]]]


def read_taskmaster4(file: Path) -> Entries:
    """One conversation per dialogue, parsed when asked for."""
    for number, dialogue in enumerate(load_json_list(file), start=1):
        yield number, partial(_taskmaster4, file, dialogue, number)


def _taskmaster4(file: Path, dialogue: Any, number: int) -> Transcript:
    d = obj(dialogue, f"dialogue {number}")
    builder = TurnBuilder()
    for index, raw in enumerate(items(d["utterances"], "utterances")):
        where = f"utterances[{index}]"
        utterance = obj(raw, where)
        text = text_value(utterance["text"], f"{where}.text")
        if role_of(utterance["speaker"], f"utterance {utterance.get('index')}") == "customer":
            builder.customer(text)
        else:
            builder.agent(text)
        # API calls annotated on a user turn are what the agent did before its next reply.
        for n, item in enumerate(items(utterance.get("annotations"), f"{where}.annotations")):
            _annotation(builder, obj(item, f"{where}.annotations[{n}]"), f"{where}.annotations[{n}]")
    metadata = {"vertical": d.get("vertical"), "scenario": d.get("scenario"), "instructions": d.get("instructions")}
    return finish_transcript(str(d["conversation_id"]), builder, metadata, f"{file}:dialogue {number}")


def _annotation(builder: TurnBuilder, annotation: dict[str, Any], where: str) -> None:
    name = annotation.get("name")
    if name not in ("api_call", "request", "response"):
        return
    context = text_value(annotation["context"], f"{where}.context")
    if name == "api_call":
        builder.call(text_value(annotation["value"], f"{where}.value"), {}, context.replace("api_call", "call"))
    elif name == "request":
        builder.set_arguments(context.replace("api_call", "call"), arguments_of(annotation["value"]))
    else:
        builder.result(context.replace("api_response", "call"), decoded(annotation["value"]))


def read_abcd(file: Path) -> Entries:
    """One conversation per dialogue, parsed when asked for."""
    for number, dialogue in enumerate(load_json_list(file), start=1):
        yield number, partial(_abcd, file, dialogue, number)


def _abcd(file: Path, dialogue: Any, number: int) -> Transcript:
    d = obj(dialogue, f"dialogue {number}")
    builder = TurnBuilder()
    for index, pair in enumerate(items(d["original"], "original")):
        where = f"original[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"{where}: must be a [speaker, text] pair")
        speaker, text = pair
        if speaker == "action":  # the agent's system actions, logged as text
            builder.call("action", {}, None, str(text))
        elif role_of(speaker, "original") == "customer":
            builder.customer(text_value(text, where))
        else:
            builder.agent(text_value(text, where))
    scenario = obj(d.get("scenario"), "scenario")
    # The customer's own details label what to redact (replaced by placeholders on import).
    metadata = {
        "flow": scenario.get("flow"),
        "subflow": scenario.get("subflow"),
        "customer": obj(scenario.get("personal"), "scenario.personal"),
    }
    return finish_transcript(str(d["convo_id"]), builder, metadata, f"{file}:dialogue {number}")
