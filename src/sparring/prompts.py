"""Every LLM prompt is a template file; its content hash identifies the version that produced a result."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2


class PromptTemplate:
    def __init__(self, text: str, origin: str) -> None:
        self.text = text
        self.origin = origin
        self.hash = hashlib.sha256(text.encode()).hexdigest()[:12]
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
        self._template = env.from_string(text)

    def render(self, **context: Any) -> str:
        return self._template.render(**context).strip()


@cache
def load_prompt(path: str | Path) -> PromptTemplate:
    file = Path(path)
    return PromptTemplate(file.read_text(encoding="utf-8"), str(file))


def package_prompt(module_file: str, name: str) -> PromptTemplate:
    """A template stored in the `prompts/` folder beside the module that uses it."""
    return load_prompt(Path(module_file).parent / "prompts" / name)
