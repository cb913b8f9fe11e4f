"""Credentials in URLs: redacted for storing and showing, the real URL kept in memory for the calls."""

from __future__ import annotations

import base64
import socket

import pytest
from aiohttp import web

from sparring import ChatRequest, Message, RoleOverrides
from sparring.models import ModelError, ModelPool, ModelUnreachable, create_model, urls
from sparring.models.urls import conceal_url, probe_listening, redact_url, reveal_url
from sparring.runner.roles import model_settings, open_models
from sparring.testing import StubServer

HI = ChatRequest(messages=[Message(role="user", content="hi")])


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pw@host:8000/v1", "http://***@host:8000/v1"),
        ("https://TOKEN@bot.example/v1", "https://***@bot.example/v1"),
        ("https://h/v1?api-key=XYZ&api-version=2024-06-01", "https://h/v1?api-key=***&api-version=2024-06-01"),
        ("https://h/v1?key=A&token=B&access_token=C", "https://h/v1?key=***&token=***&access_token=***"),
        ("https://h/v1?sig=A&client_secret=B&x=1", "https://h/v1?sig=***&client_secret=***&x=1"),
        ("https://h/v1?Api_Key=A", "https://h/v1?Api_Key=***"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://[::1", "***"),
    ],
)
def test_redact_url_masks_user_info_and_credential_query_values(url, shown):
    assert redact_url(url) == shown


def test_conceal_remembers_the_real_url_and_reveal_gives_it_back():
    real = "http://bob:s3cret@127.0.0.1:7001/v1?api_key=K"
    shown = conceal_url(real)
    assert shown == "http://***@127.0.0.1:7001/v1?api_key=***"
    assert reveal_url(shown) == real
    assert reveal_url("http://127.0.0.1:7001/v1") == "http://127.0.0.1:7001/v1", "nothing to reveal: as it is"
    assert conceal_url(None) is None and reveal_url(None) is None


def test_a_redacted_url_whose_credentials_this_process_never_saw_is_a_clear_error():
    with pytest.raises(ModelError, match=r"credentials were redacted when the run was stored; give the full URL"):
        reveal_url("http://***@127.0.0.1:7999/v1")
    with pytest.raises(ModelError, match="give the full URL again"):
        ModelPool().get("openai:x", "http://***@127.0.0.1:7998/v1")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_errors_about_an_endpoint_name_it_without_its_credentials():
    port = closed_port()
    model = create_model("openai:x", base_url=f"http://u:hunter2@127.0.0.1:{port}/v1?key=SECRET")
    assert model.base_url == f"http://***@127.0.0.1:{port}/v1?key=***"
    with pytest.raises(ModelUnreachable) as info:
        await model.complete(HI)
    await model.aclose()
    message = str(info.value)
    assert f"http://***@127.0.0.1:{port}/v1?key=***" in message
    assert "hunter2" not in message and "SECRET" not in message


def test_probe_names_the_redacted_url_when_nobody_listens():
    port = closed_port()
    with pytest.raises(ModelUnreachable) as info:
        probe_listening(f"http://u:pw-9@127.0.0.1:{port}/v1", "--agent")
    assert str(info.value) == f"--agent http://***@127.0.0.1:{port}/v1: nobody is listening (connection refused)"


def test_probe_passes_when_something_listens():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        probe_listening(f"http://127.0.0.1:{server.getsockname()[1]}/v1", "--agent")


class Refusing(StubServer):
    """An endpoint that answers every request with HTTP 401."""

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=401, text="bad key")


async def test_a_chatbot_refusing_its_key_points_at_its_own_option_not_the_provider_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-provider-secret")
    monkeypatch.setenv("BOT_KEY", "bot-secret")
    with Refusing() as server:
        pool = ModelPool()
        for env, hint in ((None, "--agent-api-key-env: none was sent"), ("BOT_KEY", "--agent-api-key-env BOT_KEY")):
            with pytest.raises(ModelError) as info:
                await pool.chatbot(server.base_url, "bot", env).complete(HI)
            assert f"HTTP 401 (check {hint})" in str(info.value) and "OPENAI_API_KEY" not in str(info.value)
        await pool.aclose()


async def test_an_unreachable_chatbot_hint_names_agent_not_base_url():
    model = ModelPool().chatbot(f"http://127.0.0.1:{closed_port()}/v1", "bot")
    with pytest.raises(ModelError, match="is --agent right"):
        await model.complete(HI)
    await model.aclose()


class Recording(StubServer):
    """The stub server, also recording each request's Authorization header."""

    def __init__(self) -> None:
        super().__init__()
        self.authorizations: list[str | None] = []

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.authorizations.append(request.headers.get("Authorization"))
        return await super()._chat(request)


async def test_a_resumed_run_calls_the_real_url_once_the_command_gives_it_again(example_suite, monkeypatch):
    monkeypatch.setattr(urls, "_REAL_URLS", {})  # a new process: nothing remembered
    with Recording() as server:
        real = f"http://carol:pw-77@127.0.0.1:{server.port}/v1"
        stored = model_settings(example_suite, RoleOverrides(model="openai:x", base_url=real))
        monkeypatch.setattr(urls, "_REAL_URLS", {})
        with pytest.raises(ModelError, match="give the full URL again"):
            open_models(ModelPool(), stored)
        RoleOverrides(base_url=real)  # `sparring run --resume RUN --base-url <real>`
        pool = ModelPool()
        open_models(pool, stored)
        await pool.get("openai:x", stored.base_url).complete(HI)
        await pool.aclose()
    assert stored.base_url == f"http://***@127.0.0.1:{server.port}/v1"
    assert server.authorizations == ["Basic " + base64.b64encode(b"carol:pw-77").decode()]


def test_url_user_info_and_a_key_variable_together_are_refused(monkeypatch):
    monkeypatch.setenv("BOT_KEY", "bot-secret")
    with pytest.raises(ModelError) as info:
        ModelPool().chatbot(conceal_url("http://u:pw-3@127.0.0.1:7010/v1") or "", "bot", "BOT_KEY")
    assert str(info.value) == (
        "--agent http://***@127.0.0.1:7010/v1 carries user info and --agent-api-key-env BOT_KEY names a key: "
        "both would be its Authorization header; give one"
    )
