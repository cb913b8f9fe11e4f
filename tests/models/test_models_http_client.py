"""The lean HTTP/1.1 client under every model call: response framing, connection reuse, failures.
Parsing is checked byte by byte; the client against real servers on 127.0.0.1."""

import asyncio
import ssl
import subprocess

import pytest
from yarl import URL

from sparring.models import ModelError, create_model
from sparring.models.http import ConnectionDropped, ConnectionFailed, HttpClient, parse_response

LENGTH = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a": "bc"}'
CHUNKED = (
    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0.5\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'4;ext=1\r\n{"a"\r\n7\r\n: "bc"}\r\n0\r\nX-Trailer: t\r\n\r\n'
)


@pytest.mark.parametrize("raw", [LENGTH, CHUNKED, b"HTTP/1.1 100 Continue\r\n\r\n" + LENGTH])
def test_a_response_split_anywhere_parses_the_same_and_waits_while_incomplete(raw):
    for cut in range(len(raw)):
        assert parse_response(bytearray(raw[:cut]), eof=False) is None, f"complete after {cut} bytes"
    reply, used = parse_response(bytearray(raw + b"HTTP/1.1 next"), eof=False)
    assert reply.body == b'{"a": "bc"}' and used == len(raw) - (raw.index(b"HTTP/1.1 2") if b"100" in raw else 0)
    assert reply.status in (200, 429) and (reply.status == 200 or reply.headers["retry-after"] == "0.5")


def test_a_body_without_length_ends_with_the_connection():
    raw = bytearray(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{}")
    assert parse_response(raw, eof=False) is None
    reply, _ = parse_response(raw, eof=True)
    assert reply.body == b"{}" and reply.headers["connection"] == "close"


@pytest.mark.parametrize(
    "raw",
    [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", LENGTH[:-3], CHUNKED[:-9], b"HTTP/1."],
)
def test_garbage_or_a_response_cut_by_the_close_is_an_error(raw):
    with pytest.raises(ValueError):
        parse_response(bytearray(raw), eof=True)


class Server:
    """An asyncio HTTP server answering each request with the next canned response, counting connections."""

    def __init__(self, responses: list[bytes]) -> None:
        self.responses, self.connections = responses, 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the canned responses run out or one says Connection: close."""
        self.connections += 1
        while self.responses:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"Content-Length"))
            await reader.readexactly(length)
            response = self.responses.pop(0)
            writer.write(response)
            await writer.drain()
            if b"Connection: close" in response or not response:
                break
        writer.close()


async def test_connections_are_reused_until_the_server_closes_them():
    close = LENGTH.replace(b"Content-Length", b"Connection: close\r\nContent-Length")
    server = Server([LENGTH, CHUNKED, close, LENGTH])
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = HttpClient(URL(f"http://127.0.0.1:{port}/v1/chat/completions"), {"Authorization": "Bearer k"})
    replies = [await client.post(b"{}") for _ in range(4)]
    client.close()
    listener.close()
    assert [r.status for r in replies] == [200, 429, 200, 200]
    assert all(r.body == b'{"a": "bc"}' for r in replies)
    assert server.connections == 2, "one connection for the first three, a new one after Connection: close"


async def test_a_connection_dropped_mid_response_or_refused_is_reported():
    server = Server([LENGTH[:40]])  # half a response, then the connection closes
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = HttpClient(URL(f"http://127.0.0.1:{port}/v1"), {})
    with pytest.raises(ConnectionDropped):
        await client.post(b"{}")
    listener.close()
    await listener.wait_closed()
    with pytest.raises(ConnectionFailed):
        await client.post(b"{}")


def test_a_key_that_would_inject_a_header_is_refused_in_one_line(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-1\r\nX-Evil: 1")
    with pytest.raises(ModelError) as info:
        create_model("openai:x", base_url="http://127.0.0.1:9/v1")
    assert str(info.value) == (
        "openai:x: the Authorization header would hold a line break or a non-ASCII character (check OPENAI_API_KEY)"
    )


async def test_https_verifies_the_server_certificate(tmp_path):
    """TLS through the default context: a certificate the client trusts is accepted, an unknown one refused."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = await asyncio.start_server(Server([LENGTH, LENGTH]).handle, "127.0.0.1", 0, ssl=context)
    url = URL(f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}/v1")
    with pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED"):
        await HttpClient(url, {}).post(b"{}")
    trusting = HttpClient(url, {})
    trusting.ssl = ssl.create_default_context(cafile=str(cert))
    assert (await trusting.post(b"{}")).body == b'{"a": "bc"}'
    trusting.close()
    listener.close()
