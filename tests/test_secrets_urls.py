"""Credentials in URLs: redacted for storing and showing, the real URL kept in memory for the calls."""

from __future__ import annotations

import socket

import pytest

from sparring import ChatRequest, Message
from sparring.models import ModelError, ModelPool, ModelUnreachable, create_model
from sparring.models.urls import conceal_url, probe_listening, redact_url, reveal_url


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
        await model.complete(ChatRequest(messages=[Message(role="user", content="hi")]))
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
