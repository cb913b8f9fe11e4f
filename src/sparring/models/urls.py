"""Credentials in endpoint URLs: shown and stored redacted, used for real only when calling.

`http://user:pw@host/v1?api-key=XYZ` is stored and printed as `http://***@host/v1?api-key=***`.
`conceal_url` returns that redacted form and remembers, in this process's memory only, which real
URL it stands for; `reveal_url` hands the real URL back at the moment a model is created. Nothing
that is stored or printed ever holds the real URL, so nothing can leak it by accident.
"""

from __future__ import annotations

import socket
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sparring.models.base import ModelError, ModelUnreachable

MASK = "***"
# A query parameter whose lower-cased name contains one of these is a credential.
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "pwd", "auth", "sig", "credential", "session")
_REAL_URLS: dict[str, str] = {}
PROBE_TIMEOUT_S = 5.0


def _secret_name(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)


def redact_url(url: str) -> str:
    """The URL with its user info and credential-like query values replaced by ***."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return MASK
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        netloc = f"{MASK}@{host or ''}{f':{port}' if port is not None else ''}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = parts.query
    if any(_secret_name(name) for name, _ in pairs):
        query = urlencode([(n, MASK if _secret_name(n) else v) for n, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def conceal_url(url: str | None) -> str | None:
    """Redact the URL and remember the real one for this process's calls (see `reveal_url`)."""
    if url is None:
        return None
    shown = redact_url(url)
    if shown != url:
        _REAL_URLS[shown] = url
    return shown


def reveal_url(url: str | None) -> str | None:
    """The real URL behind a redacted one; a redacted URL whose real one is unknown is an error."""
    if url is None or MASK not in url:
        return url
    if url in _REAL_URLS:
        return _REAL_URLS[url]
    raise ModelError(
        f"{url}: its credentials were redacted when the run was stored; give the full URL again "
        "(--base-url or --agent) in this command"
    )


def probe_listening(url: str, flag: str) -> None:
    """Open (and close) a TCP connection to the URL's host and port; one clear line when nobody answers."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ModelError(f"{flag} {shown}: not a valid URL ({exc})") from exc
    if not host:
        raise ModelError(f"{flag} {shown}: the URL names no host")
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return
    except ConnectionRefusedError as exc:
        problem = "nobody is listening (connection refused)"
        raise ModelUnreachable(f"{flag} {shown}: {problem}") from exc
    except socket.gaierror as exc:
        raise ModelUnreachable(f"{flag} {shown}: unknown host {host!r}") from exc
    except TimeoutError as exc:
        raise ModelUnreachable(f"{flag} {shown}: no answer to a connection within {PROBE_TIMEOUT_S:.0f}s") from exc
    except OSError as exc:
        raise ModelUnreachable(f"{flag} {shown}: cannot connect ({exc.strerror or exc})") from exc
