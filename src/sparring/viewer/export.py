"""`sparring export-html`: the viewer's pages of one run as static files, for CI artifacts. The run page
(index.html), the conversations it and the comparison link to (conversations/), the comparison with a base run
(compare.html) and each scenario it lists (regressed, n/a → fail, coverage lost, errored, tied, fixed) side by
side in both runs (scenarios/), the suite's history (history.html, its chart history.svg) and the stylesheet.
Rendered with the viewer's own templates and page contexts (viewer/pages.py) with `static` set, which leaves the
labelling forms out and says so; the viewer's absolute links are then rewritten into relative file links, and
links to pages that are not exported become plain text. No JavaScript, no server: the folder opens from the file
system. Given the run's suite, the run page leads with the gates' verdict and its reasons, as in the viewer."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sparring.data_model import Run
from sparring.store import NotFound, Store
from sparring.viewer import pages

if TYPE_CHECKING:
    from sparring.suite import Suite

INDEX = "index.html"
COMPARE = "compare.html"
HISTORY = "history.html"
CHART = "history.svg"
STYLE = "style.css"
CONVERSATIONS = "conversations"
SCENARIOS = "scenarios"
ANCHOR = re.compile(r'<a href="(/[^"]*)">(.*?)</a>', re.DOTALL)
ATTRIBUTE = re.compile(r'(href|src)="(/[^"]*)"')
CONVERSATION_LINK = re.compile(r'href="/conversations/([^"]+)"')


def safe_name(folder: str, name: str) -> str:
    """A file in `folder` for an id: a name safe on every file system and in a relative URL (ids hold ':', '/'
    or anything), made unique by a short hash of the id."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80]
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{folder}/{slug}-{digest}.html"


def conversation_file(conversation_id: str) -> str:
    """The file of a conversation, relative to the export."""
    return safe_name(CONVERSATIONS, conversation_id)


class StaticSite:
    """The exported files of one run, rendered in memory (path relative to the export -> content), so that
    nothing is written unless every page rendered."""

    def __init__(self, store: Store, run: Run, base: Run | None, suite: Suite | None = None) -> None:
        self.store, self.run, self.base, self.suite = store, run, base, suite
        self.env = pages.environment()
        self.env.globals.update(static=True, nav=self.nav())
        self.links: dict[str, str] = {
            "/static/style.css": STYLE,
            f"/runs/{run.id}": INDEX,
            f"/history/{run.suite}": HISTORY,
            f"/history/{run.suite}/chart.svg": CHART,
        }
        if base:
            self.links[f"/compare?a={base.id}&b={run.id}"] = COMPARE
        self.files: dict[str, bytes] = {}

    def nav(self) -> list[tuple[str, str]]:
        """The static header's links, as live paths (rewritten like every other link)."""
        entries = [(f"Run {self.run.label}", f"/runs/{self.run.id}")]
        if self.base:
            entries.append((f"{self.base.label} → {self.run.label}", f"/compare?a={self.base.id}&b={self.run.id}"))
        return [*entries, ("History", f"/history/{self.run.suite}")]

    def build(self) -> dict[str, bytes]:
        """Every file: the run, the comparison, the history, every conversation they link to, the stylesheet
        and the history chart (when the suite has completed runs)."""
        total = self.store.flagged_conversations(self.run.id, 1, 0)[1]
        others = [self.base] if self.base else []
        context = pages.run_page(self.store, self.run, others, 1, max(total, 1), suite=self.suite)
        rendered = {INDEX: self.render("run.html", context)}
        if self.base:
            comparison = pages.compare_page(self.store, self.base, self.run, self.suite)
            rendered[COMPARE] = self.render("compare.html", comparison)
            groups = comparison["view"].groups.values()
            changed = {s for listed in groups for _, scenarios in listed for s in scenarios}
            for scenario_id in sorted(changed):
                rendered.update(self.side_by_side(self.base, scenario_id))
        suite_history = pages.history_page(self.store, self.run.suite)
        rendered[HISTORY] = self.render("history.html", suite_history)
        for conversation_id in sorted({i for page in rendered.values() for i in CONVERSATION_LINK.findall(page)}):
            rendered.update(self.conversation(unquote(html.unescape(conversation_id))))
        files = {name: self.relink(page, "../" * name.count("/")).encode() for name, page in rendered.items()}
        files[STYLE] = pages.STYLESHEET.read_bytes()
        if suite_history["report"].evaluations:
            files[CHART] = pages.history_chart(suite_history["report"].evaluations, self.run.suite)
        return files

    def side_by_side(self, base: Run, scenario_id: str) -> dict[str, str]:
        """A scenario's trial 0 in the base run beside this run, by its file, linked from now on."""
        name = safe_name(SCENARIOS, scenario_id)
        self.links[f"/compare/scenario?a={base.id}&b={self.run.id}&scenario={scenario_id}"] = name
        context = pages.scenario_compare_page(self.store, base, self.run, scenario_id, 0)
        return {name: self.render("compare_scenario.html", context)}

    def render(self, template: str, context: dict[str, Any]) -> str:
        """One page, rendered with the viewer's template."""
        return self.env.get_template(template).render(context)

    def conversation(self, conversation_id: str) -> dict[str, str]:
        """A conversation's page by its file, linked from now on; none when the store lacks it (a comparison
        names trial 0 of a scenario, which a run may not have)."""
        try:
            context = pages.conversation_page(self.store, conversation_id, self.suite)
        except NotFound:
            return {}
        name = conversation_file(conversation_id)
        self.links[f"/conversations/{conversation_id}"] = name
        return {name: self.render("conversation.html", context)}

    def target(self, path: str) -> str | None:
        """The exported file (relative to the export) a viewer link leads to, None when it is not exported."""
        return self.links.get(unquote(html.unescape(path)))

    def relink(self, page: str, root: str) -> str:
        """The page with every viewer link made relative (`root` leads back to the export's folder); a link to a
        page that is not exported keeps its text only."""
        page = ANCHOR.sub(lambda m: m.group(0) if self.target(m.group(1)) else m.group(2), page)

        def relative(match: re.Match[str]) -> str:
            found = self.target(match.group(2))
            if found is None:
                raise ValueError(f"the static export has no page for {match.group(2)!r}")
            return f'{match.group(1)}="{root}{found}"'

        return ATTRIBUTE.sub(relative, page)


def export_site(store: Store, run: Run, out: Path, base: Run | None = None, suite: Suite | None = None) -> list[Path]:
    """Write the static report of `run` (compared with `base` when given; with its `suite`'s gates and scenario
    briefs when given) into `out`; the files written."""
    files = StaticSite(store, run, base, suite).build()
    written = []
    for name, content in sorted(files.items()):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
