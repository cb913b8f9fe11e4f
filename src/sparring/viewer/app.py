"""`sparring view`: a local web app over the store. Server-rendered Jinja2 pages (autoescaped, no
JavaScript at all, so a strict Content-Security-Policy holds), database-side counting and pagination
so pages stay fast on large databases. Read-mostly: the only write is a human label, guarded by a host
allow-list, a same-origin check and a signed form token (viewer/security.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from sparring.analysis.history import history
from sparring.analysis.runs import list_runs
from sparring.data_model import Label
from sparring.discovery import load_stored_report
from sparring.store import NotFound, Store
from sparring.viewer import pages
from sparring.viewer.pages import PAGE_SIZE
from sparring.viewer.security import TOKEN_FIELD, Guard

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # own forms send their Origin; other sites get no Referer
}


def create_app(store: Store, host: str = "127.0.0.1", allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The viewer over `store`, answering to the local names, the bound `host` and `allowed_hosts`."""
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

    @app.middleware("http")
    async def guarded(request: Request, call_next: Any) -> Response:
        refusal = guard.refusal(request.method, request.headers)
        response: Response = PlainTextResponse(refusal[1], refusal[0]) if refusal else await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def render(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    def run_or_404(ref: str) -> Any:
        try:
            return store.get_run(ref)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/", response_class=HTMLResponse)
    def runs(request: Request, page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
        listed = list_runs(store, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        count = pages.pages(listed.total, PAGE_SIZE)
        return render(request, "runs.html", listed=listed, page=page, pages=count, total=listed.total)

    @app.get("/runs/{run_ref}", response_class=HTMLResponse)
    def run(request: Request, run_ref: str, page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
        stored = run_or_404(run_ref)
        others = [r for r in store.list_runs(limit=20, suite=stored.suite) if r.id != stored.id]
        return render(request, "run.html", **pages.run_page(store, stored, others, page))

    @app.get("/conversations/{conversation_id}", response_class=HTMLResponse)
    def conversation(request: Request, conversation_id: str, saved: str = "") -> HTMLResponse:
        try:
            context = pages.conversation_page(store, conversation_id)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        return render(request, "conversation.html", **context, saved=saved)

    @app.post("/labels")
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
        store.save_labels([record])
        return RedirectResponse(f"/conversations/{found.id}?saved={evaluation_id}", status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    def compare(request: Request, a: str, b: str) -> HTMLResponse:
        return render(request, "compare.html", **pages.compare_page(store, run_or_404(a), run_or_404(b)))

    @app.get("/history/{suite}", response_class=HTMLResponse)
    def suite_history(request: Request, suite: str) -> HTMLResponse:
        return render(request, "history.html", **pages.history_page(store, suite))

    charts: dict[str, tuple[str, bytes]] = {}  # suite -> (what it shows, SVG): drawn again only when runs change

    @app.get("/history/{suite}/chart.svg")
    def suite_chart(suite: str) -> Response:
        histories = history(store, suite)
        if not histories:
            raise HTTPException(404, f"no completed runs of {suite!r}")
        shown = "".join(h.model_dump_json() for h in histories)
        if suite not in charts or charts[suite][0] != shown:
            charts[suite] = (shown, pages.history_chart(histories, suite))
        return Response(charts[suite][1], media_type="image/svg+xml")

    @app.get("/runs/{run_ref}/discover", response_class=HTMLResponse)
    def discovered(request: Request, run_ref: str) -> HTMLResponse:
        stored = run_or_404(run_ref)
        return render(request, "discover.html", run=stored, report=load_stored_report(store, stored.id))

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration(request: Request) -> HTMLResponse:
        return render(request, "calibration.html", reports=list(reversed(store.calibrations())))

    return app
