"""Which model plays which role, and which chatbot is under test: CLI flags over suite YAML over default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparring.agents import (
    REFERENCE_PROMPT,
    Agent,
    ToolLoopAgent,
    deployed_bot,
    history_refusal,
    load_context_strategy,
    load_python_agent,
    reference_system_prompt,
)
from sparring.data_model import ModelSettings, Scenario, TokenUsage
from sparring.models import (
    MeteredModel,
    ModelPool,
    check_model_spec,
    conceal_url,
    default_model_spec,
    endpoint_key,
    probe_listening,
    reveal_url,
)
from sparring.prompts import load_prompt
from sparring.suite import AgentConfig, Suite


@dataclass
class RoleOverrides:
    """Model choices from the command line (or a caller); None means 'use the suite's, then the default'.

    `model` sets every role; `simulator`, `agent_model` and `judge` override one role's model; `base_url` is
    the OpenAI-compatible server of those models; `agent` picks the chatbot under test (reference, an
    http(s) URL, or module:attribute); `agent_config` is an agent variant (another context strategy, say);
    `agent_api_key_env` names the variable holding an http chatbot's own key."""

    model: str | None = None  # every role
    simulator: str | None = None
    agent_model: str | None = None
    judge: str | None = None
    base_url: str | None = None
    agent: str | None = None  # reference | http(s)://... | module:attribute
    agent_config: AgentConfig | None = None  # an agent variant (e.g. another context strategy)
    agent_api_key_env: str | None = None  # http agent: the variable holding the endpoint's own key

    def __post_init__(self) -> None:
        """Remember (in memory only) the real URLs given here: a resumed run, whose stored settings hold
        them redacted, then calls them with their credentials."""
        conceal_url(self.base_url)
        if self.agent and _is_url(self.agent):
            conceal_url(self.agent)


def _is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def resolve_models(suite: Suite, overrides: RoleOverrides) -> dict[str, str]:
    """The model spec of each role: command line over suite YAML over the default (embedded) model."""
    yaml_models = suite.config.models
    chosen = {
        "simulator": overrides.simulator or overrides.model or yaml_models.simulator,
        "agent": overrides.agent_model or overrides.model or yaml_models.agent,
        "judge": overrides.judge or overrides.model or yaml_models.judge,
    }
    if any(spec is None for spec in chosen.values()):
        fallback = default_model_spec()
        chosen = {role: spec or fallback for role, spec in chosen.items()}
    return {role: str(spec) for role, spec in chosen.items()}


def check_models(suite: Suite, overrides: RoleOverrides) -> None:
    """Refuse a model spec that cannot work (unknown provider, missing GGUF) with a ModelError, before anything
    is opened or written."""
    for spec in resolve_models(suite, overrides).values():
        check_model_spec(spec)


def agent_kind(suite: Suite, overrides: RoleOverrides) -> tuple[str, str | None]:
    """The chatbot under test: its kind (reference, http, python) and target (URL or module:attribute)."""
    spec = overrides.agent
    if spec is None:
        return suite.config.agent.kind, suite.config.agent.target
    if spec == "reference":
        return "reference", None
    if _is_url(spec):
        return "http", spec
    return "python", spec


def model_settings(suite: Suite, overrides: RoleOverrides) -> ModelSettings:
    """The run's settings as stored and shown: URLs redacted (their credentials stay in memory)."""
    models = resolve_models(suite, overrides)
    kind, target = agent_kind(suite, overrides)
    if overrides.agent_api_key_env and kind != "http":
        raise ValueError(
            f"--agent-api-key-env {overrides.agent_api_key_env}: only an http agent takes a key (--agent http://...)"
        )
    return ModelSettings(
        simulator=models["simulator"],
        agent=models["agent"],
        judge=models["judge"],
        agent_kind=kind,
        agent_target=conceal_url(target) if kind == "http" else target,
        base_url=conceal_url(overrides.base_url or suite.config.models.base_url),
        agent_config=_agent_config(suite, overrides),
    )


def check_openings_taken(suite: Suite, settings: ModelSettings, scenarios: list[Scenario]) -> None:
    """A deployed bot must be able to take the longest given opening of the run's scenarios: a ValueError naming
    the scenario when its chat API would drop it (before anything runs, in a run and a dry run)."""
    config = AgentConfig.model_validate(settings.agent_config) if settings.agent_config else suite.config.agent
    if settings.agent_kind != "http" or not config.serve_backend or not scenarios:
        return
    longest = max(scenarios, key=lambda scenario: len(scenario.opening))
    refusal = history_refusal(config, len(longest.opening))
    if refusal:
        raise ValueError(f"scenario {longest.id!r}: {refusal}")


def _agent_config(suite: Suite, overrides: RoleOverrides) -> dict[str, Any]:
    """The agent variant to store ({} means the suite's own), with the endpoint key's variable when given."""
    config = overrides.agent_config
    if overrides.agent_api_key_env:
        config = (config or suite.config.agent).model_copy(update={"api_key_env": overrides.agent_api_key_env})
    if config is None:
        return {}
    return config.model_copy(update={"target": conceal_url(config.target)}).model_dump()


AgentFactory = Callable[[TokenUsage, int], Agent]
"""Builds the chatbot of one conversation, counting its model calls into the usage given, sampling as the trial."""


def agent_factory(suite: Suite, settings: ModelSettings, pool: ModelPool, seed: int) -> AgentFactory:
    """Build the chatbot for one conversation; its model calls count into that conversation's usage."""
    config = AgentConfig.model_validate(settings.agent_config) if settings.agent_config else suite.config.agent
    if settings.agent_kind == "python":
        bot = load_python_agent(settings.agent_target or "", search_path=suite.root)
        return lambda _usage, _trial: bot.agent()  # one per conversation: conversations never share a bot
    if settings.agent_kind == "http":
        if not settings.agent_target:
            raise ValueError("an http agent needs a target URL (agent.target in suite.yaml, or --agent URL)")
        name = f"http:{settings.agent_target}"
        if config.serve_backend:
            deployed = deployed_bot(
                config, reveal_url(settings.agent_target) or "", endpoint_key(config.api_key_env), name
            )
            return lambda _usage, _trial: deployed()  # one per conversation, each with its own backend URL
        endpoint = pool.chatbot(settings.agent_target, config.endpoint_model, config.api_key_env)
        return lambda usage, trial: ToolLoopAgent(
            MeteredModel(endpoint, usage, trial), None, config.max_tool_rounds, name=name
        )
    template = load_prompt(suite.root / config.system_prompt) if config.system_prompt else REFERENCE_PROMPT
    prompt = reference_system_prompt(suite.policy, template)
    model = pool.get(settings.agent, settings.base_url)
    actions = set(suite.config.backend.action_tools)
    context = load_context_strategy(config.context, actions, suite.root, config.summarise_free_text)
    name = f"reference/{config.context}"
    return lambda usage, trial: ToolLoopAgent(
        MeteredModel(model, usage, trial), prompt, config.max_tool_rounds, seed=seed, name=name, context=context
    )


def open_models(pool: ModelPool, settings: ModelSettings) -> None:
    """Instantiate every role's model, and knock on the chatbot's endpoint, so a misconfiguration fails
    before any work or any stored row."""
    pool.get(settings.simulator, settings.base_url)
    pool.get(settings.judge, settings.base_url)
    if settings.agent_kind == "reference":
        pool.get(settings.agent, settings.base_url)
    probe_agent(settings)


def probe_agent(settings: ModelSettings) -> None:
    """An http chatbot under test must be listening: one clear line (naming its redacted URL) when not."""
    if settings.agent_kind == "http" and settings.agent_target:
        probe_listening(reveal_url(settings.agent_target) or "", "--agent")
