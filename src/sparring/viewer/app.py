"""`sparring view`: a local web app over the store. Server-rendered Jinja2 pages (autoescaped, no
JavaScript at all, so a strict Content-Security-Policy holds), database-side counting and pagination
so pages stay fast on large databases. Read-mostly: the writes are a human label and deleting a run, guarded by
a host allow-list, a same-origin check and a signed form token (viewer/security.py). Ids are data: a suite or
scenario id holding `/` (or any character) is reached through its percent-encoded path. Given the suites
(`--suite`), the run page leads with their gates and conversations show their scenario's brief."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, quote

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sparring.analysis import (
    Filters,
    OutcomeFilter,
    SortKey,
    conversation_run,
    evaluation_histories,
    list_runs,
    run_overview,
)
from sparring.data_model import Label, Run, unstorable_character
from sparring.discovery import load_stored_report
from sparring.store import NotFound, RunLeased, Store, UnstorableText
from sparring.suite import DEFAULT_MARGIN_POINTS
from sparring.viewer import pages
from sparring.viewer.cache import PageCache
from sparring.viewer.pages import PAGE_SIZE
from sparring.viewer.security import TOKEN_FIELD, Guard

if TYPE_CHECKING:
    from sparring.suite import Suite

HERE = Path(__file__).parent
P = ParamSpec("P")
R = TypeVar("R")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # own forms send their Origin; other sites get no Referer
}


class Guarded:
    """Pure ASGI middleware (no per-request task or stream, unlike `@app.middleware`): refuses a foreign host or
    a cross-site write before any route runs, and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        refusal = self.guard.refusal(scope["method"], Headers(scope=scope)) or unstorable_in(scope)
        if refusal:
            await PlainTextResponse(refusal[1], refusal[0])(scope, receive, secured)
        else:
            await self.app(scope, receive, secured)


def unstorable_in(scope: Scope) -> tuple[int, str] | None:
    """(404 or 422, why) when the address holds a character no stored name or text holds (NUL, a lone surrogate:
    the store refuses or replaces them): no page is about it, and PostgreSQL refuses one in a query."""
    problem = unstorable_character(scope["path"])
    if problem:
        return 404, f"not found: the address holds {problem}, which no stored name holds"
    for field, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        problem = unstorable_character(field + value)
        if problem:
            return 422, f"{field}: {problem} cannot be asked for (no stored name or text holds one)"
    return None


def create_app(
    store: Store,
    host: str = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
    suites: Mapping[str, Suite] | None = None,
) -> FastAPI:
    """The viewer over `store`, answering to the local names, the bound `host` and `allowed_hosts`; `suites` (by
    name) give the gates and scenario briefs of their runs."""
    known = dict(suites or {})
    guard = Guard(host, allowed_hosts)

    app = FastAPI(
        title="Sparring",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(guard.require_token)],
    )
    templates = Jinja2Templates(env=pages.environment())
    templates.env.globals.update(csrf_token=guard.new_token, token_field=TOKEN_FIELD)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.add_middleware(Guarded, guard=guard)

    def render(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    cache = app.state.page_cache = PageCache(store)

    heavy_lane = CapacityLimiter(1)  # heavy pages: computed in one thread, one at a time

    def in_turn(endpoint: Callable[P, R], heavy: bool = False) -> Callable[P, Awaitable[R]]:
        """`endpoint` computed in its process's turn (viewer/turns.py): a light one on the event loop, a `heavy`
        one in a thread, after the light ones."""

        def computed(*args: P.args, **kwargs: P.kwargs) -> R:
            with cache.turn(heavy):
                return endpoint(*args, **kwargs)

        @functools.wraps(endpoint)
        async def served(*args: P.args, **kwargs: P.kwargs) -> R:
            if heavy:
                return await to_thread.run_sync(functools.partial(computed, *args, **kwargs), limiter=heavy_lane)
            return computed(*args, **kwargs)

        return served

    def heavy(endpoint: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        """`in_turn` for a heavy page: comparing two runs, drawing a suite's history chart (matplotlib)."""
        return in_turn(endpoint, heavy=True)

    def kept(
        request: Request, name: str, runs: Callable[[], list[Run]], context: Callable[[list[Run]], dict[str, Any]]
    ) -> HTMLResponse:
        """The page `name` about `runs()` (404 when one is missing), rendered with `context(runs)` once per store
        version when those runs are completed. A page kept at the current version is served before anything
        else is read: its runs were completed when it was rendered, and leaving that state changes the version."""
        key = (request.url.path, request.url.query)
        body = cache.kept(key)
        if body is None:
            found = runs()
            body = cache.page(key, found, lambda: bytes(render(request, name, **context(found)).body), share=True)
        return HTMLResponse(body)

    def run_or_404(ref: str) -> Any:
        try:
            return store.get_run(ref)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/", response_class=HTMLResponse)
    @in_turn
    def runs(
        request: Request,
        page: Annotated[int, Query(ge=1)] = 1,
        suite: str = "",
        label: str = "",
        agent: str = "",
        deleted: str = "",
    ) -> HTMLResponse:
        offset = (page - 1) * PAGE_SIZE
        listed = list_runs(store, limit=PAGE_SIZE, suite=suite, label=label, agent=agent, offset=offset)
        count = pages.pages(listed.total, PAGE_SIZE)
        shown = {"suite": suite, "label": label, "agent": agent, "deleted": deleted}
        return render(request, "runs.html", listed=listed, page=page, pages=count, total=listed.total, **shown)

    @app.get("/runs/{run_ref}", response_class=HTMLResponse)
    @in_turn
    def run(
        request: Request,
        run_ref: str,
        page: Annotated[int, Query(ge=1)] = 1,
        evaluation: str = "",
        outcome: OutcomeFilter = "fail_or_error",
        tag: str = "",
        q: Annotated[str, Query(max_length=200)] = "",
        sort: SortKey = "flagged",
        desc: bool = True,
    ) -> HTMLResponse:
        filters = Filters(evaluation=evaluation, outcome=outcome, tag=tag, text=q.strip(), sort=sort, descending=desc)

        def context(found: list[Run]) -> dict[str, Any]:
            stored, suite = found[0], known.get(found[0].suite)
            others = [r for r in store.list_runs(limit=20, suite=stored.suite) if r.id != stored.id]
            overview = cache.page(("overview", stored.id), [stored], lambda: run_overview(store, stored, suite))
            return pages.run_page(store, stored, others, page, filters=filters, suite=suite, overview=overview)

        return kept(request, "run.html", lambda: [run_or_404(run_ref)], context)

    @app.post("/runs/{run_ref}/delete")
    @in_turn
    def delete(run_ref: str, confirm: Annotated[str, Form()] = "") -> RedirectResponse:
        stored = run_or_404(run_ref)
        if confirm != stored.id:
            raise HTTPException(422, f"type the run id {stored.id!r} to confirm deleting it")
        try:
            store.delete_run(stored.id)
        except RunLeased as exc:
            raise HTTPException(409, str(exc)) from exc
        return RedirectResponse(f"/?deleted={quote(stored.label)}", status_code=303)

    @app.get("/conversations/{conversation_id:path}", response_class=HTMLResponse)
    @in_turn
    def conversation(request: Request, conversation_id: str, saved: str = "", show: str = "") -> HTMLResponse:
        def runs() -> list[Run]:
            try:
                return [run_or_404(conversation_run(store, conversation_id))]
            except NotFound as exc:
                raise HTTPException(404, str(exc)) from exc

        def context(found: list[Run]) -> dict[str, Any]:
            try:
                shown = pages.conversation_page(store, conversation_id, known.get(found[0].suite))
            except NotFound as exc:
                raise HTTPException(404, str(exc)) from exc
            return {**shown, "saved": saved, "show": show}

        return kept(request, "conversation.html", runs, context)

    @app.post("/labels")
    @in_turn
    def add_label(
        conversation_id: Annotated[str, Form()],
        evaluation_id: Annotated[str, Form()],
        label: Annotated[str, Form()],
        note: Annotated[str, Form(max_length=2000)] = "",
        labeller: Annotated[str, Form(max_length=200)] = "viewer",
    ) -> RedirectResponse:
        try:
            found = store.conversation(conversation_id)
        except NotFound as exc:
            raise HTTPException(404, f"no conversation {conversation_id!r}") from exc
        if evaluation_id not in {v.evaluation_id for v in store.conversation_verdicts(found.id)}:
            raise HTTPException(422, f"conversation {found.id!r} has no verdict for {evaluation_id!r}")
        try:
            record = Label(
                conversation_id=found.id,
                evaluation_id=evaluation_id,
                label=label,
                note=note.strip(),
                labeller=labeller.strip() or "viewer",
                created_at=datetime.now(UTC),
            )
        except ValidationError as exc:
            raise HTTPException(422, exc.errors()[0]["msg"]) from exc
        try:
            store.save_labels([record])
        except UnstorableText as exc:  # a NUL in the note or the labeller's name: refused before anything is written
            raise HTTPException(422, str(exc)) from exc
        target = f"/conversations/{quote(found.id)}?saved={quote(evaluation_id, safe='')}"
        return RedirectResponse(target, status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    @heavy
    def compare(
        request: Request, a: str, b: str, margin: Annotated[float, Query(ge=0, le=100)] = DEFAULT_MARGIN_POINTS
    ) -> HTMLResponse:
        def context(found: list[Run]) -> dict[str, Any]:
            run_a, run_b = found
            return pages.compare_page(store, run_a, run_b, known.get(run_b.suite), margin / 100)

        return kept(request, "compare.html", lambda: [run_or_404(a), run_or_404(b)], context)

    @app.get("/compare/scenario", response_class=HTMLResponse)
    @in_turn
    def compare_scenario(
        request: Request, a: str, b: str, scenario: str, trial: Annotated[int, Query(ge=0)] = 0
    ) -> HTMLResponse:
        def context(found: list[Run]) -> dict[str, Any]:
            return pages.scenario_compare_page(store, found[0], found[1], scenario, trial)

        return kept(request, "compare_scenario.html", lambda: [run_or_404(a), run_or_404(b)], context)

    @app.get("/history/{suite:path}/chart.svg")  # before the page's route: a suite name may hold '/'
    @heavy
    def suite_chart(suite: str) -> Response:
        histories = evaluation_histories(store, suite)
        if not histories:
            raise HTTPException(404, f"no completed runs of {suite!r}")
        chart = cache.page(("chart", suite), [], lambda: pages.history_chart(histories, suite), share=True)
        return Response(chart, media_type="image/svg+xml")

    @app.get("/history/{suite:path}", response_class=HTMLResponse)
    @in_turn
    def suite_history(request: Request, suite: str, label: str = "", agent: str = "") -> HTMLResponse:
        def context(_: list[Run]) -> dict[str, Any]:
            return pages.history_page(store, suite, label.strip(), agent)

        return kept(request, "history.html", list, context)  # completed runs only: kept until the store changes

    @app.get("/runs/{run_ref}/discover", response_class=HTMLResponse)
    @in_turn
    def discovered(request: Request, run_ref: str) -> HTMLResponse:
        stored = run_or_404(run_ref)
        return render(request, "discover.html", run=stored, report=load_stored_report(store, stored.id))

    @app.get("/calibration", response_class=HTMLResponse)
    @in_turn
    def calibration(request: Request) -> HTMLResponse:
        return render(request, "calibration.html", reports=list(reversed(store.calibrations())))

    return app
