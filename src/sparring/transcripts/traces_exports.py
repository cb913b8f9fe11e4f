"""Langfuse and LangSmith exports.

- langfuse: a trace as downloaded from the UI (`trace-<id>.json`: the trace with its `observations`), a
  session download (`{id, traces: [...]}`), a list of traces, the public API's `{data: [...]}`, or loose
  observations (each with `traceId`); JSON or JSON Lines. GENERATION observations hold a model call's
  input and output messages; TOOL observations a tool's result. Conversations are the traces' `sessionId`
  (or, with --session-attribute, that trace field or metadata key), else one per trace.
- langsmith: runs as the API and SDK return them (a list, `{runs: [...]}` or one per line), child runs
  nested in `child_runs` or flat with `parent_run_id`. `llm` runs hold `inputs.messages` and
  `outputs.generations` (or an OpenAI response), `tool` runs a tool's output. Conversations are LangSmith's
  threads: the `thread_id`, `session_id` or `conversation_id` metadata key (`extra.metadata`; a run's own
  `session_id` field is its tracing project, not a conversation), else one per trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sparring.transcripts.fields import items, obj
from sparring.transcripts.traces import (
    Entry,
    ModelCall,
    ToolRun,
    TraceGroup,
    add_record,
    bad_entry,
    check_session_found,
    group_entries,
    load_documents,
    maybe_json,
)
from sparring.transcripts.traces_messages import messages_of, reply_of, unwrap_langchain

THREAD_KEYS = ("thread_id", "session_id", "conversation_id")
Item = tuple[int | None, dict[str, Any]]


def read_langfuse(file: Path, session_attribute: str | None = None) -> Iterator[Entry]:
    """One entry per conversation of a Langfuse export (see the module's docstring)."""
    observations: list[tuple[Item, dict[str, Any]]] = []  # ((line, observation), its trace)
    for line, document in load_documents(file):
        for item in _langfuse_items(document):
            if isinstance(item, ValueError) or not isinstance(item, dict):
                yield bad_entry(line, str(item) if isinstance(item, ValueError) else "not a trace or observation")
            elif isinstance(item.get("observations"), list):
                trace = {k: v for k, v in item.items() if k != "observations"}
                observations += [((line, o), trace) for o in item["observations"] if isinstance(o, dict)]
            elif item.get("traceId") and item.get("type"):
                observations.append(((line, item), {"id": item["traceId"], "sessionId": item.get("sessionId")}))
            else:
                yield bad_entry(line, "neither a trace with observations nor an observation (type, traceId)")
    sessions = [_langfuse_session(trace, session_attribute) for _item, trace in observations]
    check_session_found(file, session_attribute, not observations or any(sessions), "trace")
    groups: dict[str, TraceGroup] = {}
    for ((line, observation), trace), session in zip(observations, sessions, strict=True):
        add_record(groups, session or str(trace.get("id")), line, str(trace.get("id")), observation)
    yield from group_entries(file, groups, "langfuse", "observation", _add_observation)


def _langfuse_items(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        return document["data"]
    if isinstance(document, dict) and isinstance(document.get("traces"), list):  # a session download
        return [{"sessionId": document.get("id"), **t} if isinstance(t, dict) else t for t in document["traces"]]
    return document if isinstance(document, list) else [document]


def _langfuse_session(trace: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return trace.get("sessionId")
    metadata: dict[str, Any] = trace["metadata"] if isinstance(trace.get("metadata"), dict) else {}
    value = trace.get(name, metadata.get(name))
    return None if value is None else str(value)


def _add_observation(group: TraceGroup, observation: dict[str, Any]) -> None:
    oid, kind = str(observation.get("id")), str(observation.get("type") or "").upper()
    group.parents[oid] = observation.get("parentObservationId")
    start = str(observation.get("startTime") or "")
    where = f"observation {oid}"
    if kind == "GENERATION":
        inputs = messages_of(observation.get("input"), f"{where}: input", "user")
        outputs = reply_of(observation.get("output"), f"{where}: output")
        group.calls.append(ModelCall(oid, observation.get("parentObservationId"), start, inputs, outputs))
    elif kind == "TOOL":
        failed = observation.get("level") == "ERROR"
        error = str(observation.get("statusMessage") or "failed") if failed else None
        arguments = maybe_json(observation.get("input"))
        call_id = arguments.get("tool_call_id") if isinstance(arguments, dict) else None
        name = str(observation.get("name") or "")
        group.tools.append(ToolRun(name, call_id, start, maybe_json(observation.get("output")), error))


def read_langsmith(file: Path, session_attribute: str | None = None) -> Iterator[Entry]:
    """One entry per conversation of a LangSmith runs export (see the module's docstring)."""
    runs: list[tuple[Item, str]] = []  # ((line, run), its trace id)
    for line, document in load_documents(file):
        if isinstance(document, dict) and isinstance(document.get("runs"), list):
            document = document["runs"]
        for item in document if isinstance(document, list) else [document]:
            if isinstance(item, dict) and item.get("run_type"):
                try:
                    runs += _flatten(line, item, None)
                except ValueError as exc:
                    yield bad_entry(line, str(exc))
            else:
                reason = str(item) if isinstance(item, ValueError) else "not a LangSmith run (no run_type)"
                yield bad_entry(line, reason)
    names = (session_attribute,) if session_attribute else THREAD_KEYS
    threads: dict[str, str] = {}
    for (_line, run), trace in runs:
        metadata = {**_object(run.get("metadata")), **_object(_object(run.get("extra")).get("metadata"))}
        value = next((metadata[n] for n in names if metadata.get(n)), None)
        if value is not None:
            threads.setdefault(trace, str(value))
    check_session_found(file, session_attribute, not runs or bool(threads), "run")
    groups: dict[str, TraceGroup] = {}
    for (line, run), trace in sorted(runs, key=lambda r: str(r[0][1].get("start_time") or "")):
        add_record(groups, threads.get(trace, trace), line, trace, run)
    yield from group_entries(file, groups, "langsmith", "run", _add_run)


def _flatten(line: int | None, run: dict[str, Any], trace: str | None) -> list[tuple[Item, str]]:
    trace = str(run.get("trace_id") or trace or run.get("id"))
    children = [c for c in items(run.get("child_runs"), f"run {run.get('id')}: child_runs") if isinstance(c, dict)]
    return [((line, run), trace)] + [r for child in children for r in _flatten(line, child, trace)]


def _add_run(group: TraceGroup, run: dict[str, Any]) -> None:
    rid, kind = str(run.get("id")), run.get("run_type")
    group.parents[rid] = run.get("parent_run_id")
    start, where = str(run.get("start_time") or ""), f"run {rid}"
    run_inputs = obj(maybe_json(run.get("inputs")), f"{where}: inputs")
    obj(obj(run.get("extra"), f"{where}: extra").get("metadata"), f"{where}: extra.metadata")  # read to group runs
    obj(run.get("metadata"), f"{where}: metadata")
    if kind == "llm":
        inputs = messages_of(run_inputs.get("messages"), f"{where}: inputs.messages", "user")
        outputs = reply_of(run.get("outputs"), f"{where}: outputs")
        group.calls.append(ModelCall(rid, run.get("parent_run_id"), start, inputs, outputs))
    elif kind == "tool":
        output = unwrap_langchain(maybe_json(obj(maybe_json(run.get("outputs")), f"{where}: outputs").get("output")))
        answer = output if isinstance(output, dict) and output.get("type") == "tool" else {}
        call_id = answer.get("tool_call_id") or run_inputs.get("tool_call_id")
        result = maybe_json(answer["content"]) if answer else output
        group.tools.append(ToolRun(str(run.get("name") or ""), call_id, start, result, run.get("error")))


def _object(value: Any) -> dict[str, Any]:
    """Metadata read to group runs into threads: a value that is not an object groups nothing (and is told as an
    error of the run's conversation, when it is read: `_add_run`)."""
    return value if isinstance(value, dict) else {}
