"""The suite YAML schema. Unknown fields are errors: a typo must not be silently ignored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendConfig(_Strict):
    kind: Literal["snapshot", "sqlite", "python"] = Field(
        "snapshot",
        description="snapshot: a JSON snapshot; sqlite: a SQLite file (`database`), never changed; "
        "python: your own BackendFactory (`factory`)",
    )
    database: str | None = Field(None, description="sqlite: the SQLite file each conversation works on a copy of")
    factory: str | None = Field(None, description="python: FILE.py:NAME, a BackendFactory in a file of the suite")
    snapshot: str | None = Field(None, description="JSON file: collections of records keyed by id")
    tools: str | None = Field(None, description="Python file with @tool functions; tools.py when present")
    references: dict[str, str] = Field(default_factory=dict, description="collection.field: target collection")
    handoff_tools: list[str] = Field(default_factory=list, description="tools that hand the customer to a human")
    action_tools: list[str] = Field(default_factory=list, description="tools that change the backend (write actions)")
    customer_tools: list[str] = Field(
        default_factory=list,
        description="@tool functions of tools.py that the simulated customer calls on its own state (dual control), "
        "not the agent: e.g. toggle_airplane_mode",
    )
    customer_state: str | None = Field(
        None, description="JSON file: the customer's own state (collections of records), what customer_tools act on"
    )
    fact_ids: dict[str, str] = Field(
        default_factory=dict,
        description="known-fact key: collection, e.g. {order number: orders}: such a fact must name a record there",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> BackendConfig:
        if self.kind == "sqlite" and not self.database:
            raise ValueError("kind sqlite needs database: the SQLite file")
        if self.kind == "sqlite" and (self.snapshot or self.references):
            raise ValueError("kind sqlite takes no snapshot or references (the database's foreign keys are used)")
        if self.kind == "snapshot" and self.database:
            raise ValueError("database is for kind sqlite; add kind: sqlite (or use snapshot: for a JSON file)")
        if self.kind == "python" and (not self.factory or ":" not in self.factory):
            raise ValueError("kind python needs factory: FILE.py:NAME (a BackendFactory in a file of the suite)")
        if self.kind == "python" and (self.snapshot or self.database or self.references):
            raise ValueError("kind python takes no snapshot, database or references (its factory owns the state)")
        if self.kind != "python" and self.factory:
            raise ValueError("factory is for kind python; add kind: python")
        if bool(self.customer_tools) != bool(self.customer_state):
            raise ValueError("customer_tools and customer_state go together: the tools act on that state")
        if self.kind == "python" and self.customer_tools:
            raise ValueError("kind python gives the customer tools through its factory (a customer side), not here")
        return self


class JsonApiConfig(_Strict):
    """A bot with its own JSON chat API: what Sparring posts, and where the reply is in the answer. In `body`,
    `url_path` and `headers`, `{{message}}` is the customer's last message, `{{session}}` the conversation's session
    id, `{{backend_url}}` the served backend's URL; a value that is exactly `"{{messages}}"` becomes the whole
    conversation as a list of {role, content}."""

    url_path: str = Field("", description="appended to agent.target, e.g. /sessions/{{session}}/messages")
    body: dict[str, Any] = Field(
        default_factory=lambda: {"message": "{{message}}", "session_id": "{{session}}"},
        description="the JSON request template",
    )
    headers: dict[str, str] = Field(default_factory=dict, description="extra request headers (templates too)")
    reply_path: str = Field("reply", description="dotted path to the reply text, e.g. data.answer or choices.0.text")
    tool_calls_path: str | None = Field(None, description="dotted path to the bot's own report of its tool calls")


class AgentConfig(_Strict):
    """The suite's `agent:` section: the chatbot under test (the reference agent, an http endpoint or Python
    code), its prompt, tool rounds and context strategy."""

    kind: Literal["reference", "http", "python"] = "reference"
    target: str | None = Field(None, description="http: base URL; python: module:attribute")
    endpoint_model: str = Field("chatbot", description="http: the model name sent to the endpoint")
    api_key_env: str | None = Field(
        None, description="http: environment variable with the endpoint's own key (a bearer token); none by default"
    )
    system_prompt: str | None = Field(None, description="reference: a prompt template file with {{ policy }}")
    max_tool_rounds: int = Field(4, ge=0, le=20)
    context: str = Field("raw", description="raw | case-state | module:Class (how tool results reach the model)")
    summarise_free_text: bool = Field(False, description="case-state: LLM-summarise long free-text tool fields")
    chat_api: Literal["openai-chat", "openai-responses", "json"] = Field(
        "openai-chat",
        description="http: the bot's chat API; another than openai-chat needs serve_backend (json: json_api)",
    )
    serve_backend: bool = Field(
        False,
        description="http: the bot runs its own tool calls on the backend Sparring serves it per conversation (MCP "
        "and REST, its URL in the X-Sparring-Backend request header); off: Sparring runs the tool calls it returns",
    )
    backend_host: str = Field("127.0.0.1", description="serve_backend: the address the served backend binds")
    backend_port: int = Field(0, ge=0, le=65535, description="serve_backend: its port (0: any free port)")
    stream: bool = Field(
        False, description="serve_backend: ask the bot for a streamed (SSE) reply, assembled by Sparring"
    )
    timeout_s: float = Field(120.0, gt=0, description="serve_backend: seconds the bot may take for one reply")
    json_api: JsonApiConfig = Field(default_factory=JsonApiConfig, description="chat_api json: request and reply")

    @model_validator(mode="after")
    def _own_tools_for_other_apis(self) -> AgentConfig:
        if self.chat_api != "openai-chat" and not self.serve_backend:
            raise ValueError(f"chat_api {self.chat_api} returns no tool calls for Sparring to run: set serve_backend")
        return self


class Price(_Strict):
    """US dollars per million tokens."""

    input: float = Field(..., ge=0)
    output: float = Field(..., ge=0)


class ModelsConfig(_Strict):
    simulator: str | None = None
    agent: str | None = None
    judge: str | None = None
    base_url: str | None = None
    prices: dict[str, Price] = Field(default_factory=dict, description="provider:model -> price per 1M tokens")


class SimulationConfig(_Strict):
    max_turns: int = Field(8, ge=1, le=100)
    judge_retries: int = Field(2, ge=0, le=10)
    judge_samples: int = Field(1, ge=1, le=15, description="ask each judge k times and take the majority")
    clock: AwareDatetime | None = Field(
        None, description="fixed 'now' for the backend (reproducible data, cacheable re-runs); default: run start"
    )


DEFAULT_MARGIN_POINTS = 5.0
"""A no_regression_vs gate's margin (and `compare`'s) when none is named: a drop of up to 5 points is accepted."""


class GateConfig(_Strict):
    """An exit criterion: a minimum pass rate for an evaluation or a family, or no regression beyond a margin
    against a baseline run (by label), optionally limited to an evaluation or family. Each gate answers pass,
    fail or inconclusive (docs/statistics.md)."""

    evaluation: str | None = None
    family: str | None = None
    min_pass_rate: float | None = Field(None, ge=0, le=1)
    no_regression_vs: str | None = None
    corrected: bool = Field(
        False,
        description="min_pass_rate on the judge-error-corrected pass rate (needs a calibration of the judge version)",
    )
    margin: float | None = Field(
        None, ge=0, le=100, description="no_regression_vs: the drop in points of pass rate still accepted (default 5)"
    )
    decide_on: Literal["bound", "estimate"] = Field(
        "bound",
        description="min_pass_rate: decide on the 95% interval (pass when its lower bound reaches the threshold, "
        "fail when its upper bound is below, otherwise inconclusive) or, explicitly, on the point estimate",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> GateConfig:
        if self.evaluation and self.family:
            raise ValueError("a gate names an evaluation or a family, not both")
        if (self.min_pass_rate is None) == (self.no_regression_vs is None):
            raise ValueError("a gate needs exactly one of min_pass_rate or no_regression_vs")
        if self.min_pass_rate is not None and not (self.evaluation or self.family):
            raise ValueError("a min_pass_rate gate needs an evaluation or a family")
        if self.corrected and (self.min_pass_rate is None or not self.evaluation):
            raise ValueError("corrected: true applies to a min_pass_rate gate on one evaluation")
        if self.margin is not None and self.no_regression_vs is None:
            raise ValueError("margin belongs to a no_regression_vs gate")
        if self.decide_on != "bound" and self.min_pass_rate is None:
            raise ValueError("decide_on belongs to a min_pass_rate gate")
        return self

    def describe(self) -> str:
        """The gate in words: its scope and its criterion (the name JUnit and the pytest items use)."""
        scope = (
            f"evaluation {self.evaluation}" if self.evaluation else f"family {self.family}" if self.family else "all"
        )
        if self.min_pass_rate is not None:
            estimate = " (point estimate)" if self.decide_on == "estimate" else ""
            kind = "judge-error-corrected pass rate" if self.corrected else "pass rate"
            return f"{scope}: {kind} >= {self.min_pass_rate:.0%}{estimate}"
        margin = DEFAULT_MARGIN_POINTS if self.margin is None else self.margin
        return f"{scope}: no regression beyond {margin:g} points vs {self.no_regression_vs}"


class KnowledgeConfig(_Strict):
    """A knowledge base the suite carries: documents read at load, searched by a built-in tool every agent is
    offered beside the backend's (SQLite FTS5, BM25 ranking; the calls are recorded like any tool call)."""

    documents: str = Field(
        ...,
        description="a folder (its .md, .txt and .json files) or a glob; relative to the suite's folder, or absolute",
    )
    tool: str = Field(
        "search_knowledge_base", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="the retrieval tool's name"
    )
    top_k: int = Field(5, ge=1, le=50, description="documents one search returns")


class CalibrationConfig(_Strict):
    min_kappa: float = Field(0.6, ge=-1, le=1, description="warn when a judge prompt's calibrated κ is lower")


class EvaluationUse(_Strict):
    """Enables one evaluation (built-in, or the suite's own) by id, with optional overrides."""

    use: str = Field(..., description="evaluation id; `sparring evals list` shows them")
    policy_file: str | None = Field(None, description="policy text this evaluation reads instead of the suite's")
    applies_to: list[str] | None = Field(None, description="scenario tags it applies to; empty list: every one")
    judge_samples: int | None = Field(None, ge=1, le=15, description="judge k times, majority vote")
    params: dict[str, Any] = Field(default_factory=dict, description="check parameters, e.g. max_words")


class SuiteConfig(_Strict):
    """suite.yaml as validated: name, policy file, backend, scenarios, agent, models, simulation settings, the
    evaluations it enables, its gates, `max_error_rate` and calibration settings. Unknown keys are refused."""

    name: str
    description: str = ""
    policy: str = Field(..., description="policy document file")
    backend: BackendConfig = Field(default_factory=BackendConfig)
    scenarios: str = Field("scenarios", description="a YAML file or a folder of YAML files")
    agent: AgentConfig = Field(default_factory=AgentConfig)
    models: ModelsConfig = Field(default_factory=ModelsConfig)
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)
    evaluations: list[EvaluationUse] = Field(..., min_length=1)
    gates: list[GateConfig] = Field(default_factory=list)
    max_error_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="largest share of errored verdicts (per gate scope) and conversations (per run) still green",
    )
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig)
    knowledge: KnowledgeConfig | None = Field(None, description="documents and the built-in retrieval tool")
