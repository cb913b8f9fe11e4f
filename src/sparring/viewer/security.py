"""The viewer's defences. It serves every transcript and accepts label writes with no login, so:

- it answers only to the host names it was bound to (127.0.0.1, localhost, [::1], `--host`, `--allow-host`):
  any other `Host` header gets 400, which defeats DNS rebinding (a hostile name resolving to 127.0.0.1);
- every write (any method but GET, HEAD, OPTIONS) whose `Origin` or `Referer` is not the viewer itself is
  refused with 403 (`Origin: null` included);
- every write must carry a form token signed with a per-process secret (HMAC-SHA256 over a random nonce),
  which another origin cannot read, so a cross-site form cannot forge it; restarting the viewer invalidates
  the tokens of pages opened before."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
TOKEN_FIELD = "csrf_token"
SHOWN = 100  # characters of a refused header echoed back


def host_name(value: str) -> str:
    """The host part of a `Host` header or `--host` value, lower-cased, without port, IPv6 in brackets:
    'LocalHost:8765' -> 'localhost', '[::1]:8765' -> '[::1]', '::1' -> '[::1]'."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    if value.count(":") > 1:
        return f"[{value}]"
    return value.split(":", 1)[0]


def checked_host_name(name: str) -> str:
    """`name` if it is a bare host name or address (what `--allow-host` takes); ValueError naming it if not."""
    shown = host_name(name)
    if not shown or any(c in name for c in "/@ \t?#") or shown.strip("[]") != name.strip().lower().strip("[]"):
        raise ValueError(
            f"--allow-host takes a host name such as viewer.internal (no scheme, port or path), not {name!r}"
        )
    return shown


class Guard:
    """Host allow-list, same-origin writes and signed form tokens for one viewer process."""

    def __init__(self, host: str, allowed_hosts: Iterable[str] = ()) -> None:
        self.hosts = frozenset(host_name(h) for h in (*LOCAL_NAMES, host, *allowed_hosts))
        self._secret = secrets.token_bytes(32)

    def new_token(self) -> str:
        """A fresh form token: a random nonce and its signature."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._sign(nonce)}"

    def valid_token(self, token: str) -> bool:
        """Whether this process signed `token`."""
        nonce, _, signature = token.partition(".")
        return bool(nonce) and hmac.compare_digest(signature, self._sign(nonce))

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def refusal(self, method: str, headers: Mapping[str, str]) -> tuple[int, str] | None:
        """(status, one-line reason) when the request must be refused before it reaches a page; else None."""
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            allowed = ", ".join(sorted(self.hosts))
            return 400, (
                f"refused: this viewer answers only to {allowed}, not Host {host[:SHOWN]!r} "
                "(start it with --allow-host NAME to add a name)"
            )
        if method in SAFE_METHODS:
            return None
        for header in ("origin", "referer"):
            value = headers.get(header)
            if value is not None and urlsplit(value).netloc.lower() != host.lower():
                return 403, f"refused: a write from another site ({header} {value[:SHOWN]!r} is not http://{host})"
        return None

    async def require_token(self, request: Request) -> None:
        """FastAPI dependency: a write without a valid form token is refused with 403."""
        if request.method in SAFE_METHODS:
            return
        token = (await request.form()).get(TOKEN_FIELD)
        if not isinstance(token, str) or not self.valid_token(token):
            raise HTTPException(403, "refused: missing or stale form token; reload the page and submit again")
