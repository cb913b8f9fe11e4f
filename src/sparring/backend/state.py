"""Backend state = snapshot ⊕ scenario overrides, with relative times resolved and references checked."""

from __future__ import annotations

import copy
import functools
import re
from datetime import datetime, timedelta
from typing import Any

_RELATIVE = re.compile(r"^now((?:\s*[+-]\s*\d+\s*[smhdw])*)$")
_STEP = re.compile(r"([+-])\s*(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class BackendDataError(ValueError):
    """The backend data is inconsistent; `path` names the offending field, e.g. orders.O-1.customer_id."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: dicts merge key by key, `None` deletes, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def is_relative_time(value: str) -> bool:
    """Whether `value` is a relative time such as 'now-35m'."""
    return "now" in value and _RELATIVE.match(value.strip()) is not None


@functools.lru_cache(maxsize=4096)
def resolve_time(value: str, now: datetime) -> str | None:
    """'now-35m' → ISO timestamp relative to `now`; None when the string is not a relative time; a ValueError when
    it falls outside the years 1 to 9999 (`now-99999999999w`). Cached: a large snapshot repeats a few hundred
    distinct values over tens of thousands of records."""
    match = _RELATIVE.match(value.strip()) if "now" in value else None
    if not match:
        return None
    moment = now
    try:
        for sign, amount, unit in _STEP.findall(match.group(1)):
            delta = timedelta(**{_UNITS[unit]: int(amount)})
            moment = moment + delta if sign == "+" else moment - delta
    except OverflowError as exc:
        raise ValueError(f"relative time {value!r} falls outside the years 1 to 9999") from exc
    return moment.isoformat(timespec="seconds")


def resolve_relative_times(data: Any, now: datetime) -> Any:
    if isinstance(data, dict):
        return {k: resolve_relative_times(v, now) for k, v in data.items()}
    if isinstance(data, list):
        return [resolve_relative_times(v, now) for v in data]
    if isinstance(data, str):
        resolved = resolve_time(data, now)
        return resolved if resolved is not None else data
    return data


def check_references(data: dict[str, Any], references: dict[str, str]) -> None:
    """Each reference `collection.field: target` says records of `collection` point at ids of `target`.

    Collections are dicts keyed by record id; the field may hold one id or a list of ids.
    """
    for source, target in references.items():
        collection, _, field = source.partition(".")
        if target not in data:
            raise BackendDataError(target, f"referenced collection {target!r} is missing")
        for record_id, record in (data.get(collection) or {}).items():
            if not isinstance(record, dict) or field not in record:
                continue
            value = record[field]
            ids = value if isinstance(value, list) else [value]
            for ref in ids:
                if ref is not None and ref not in data[target]:
                    raise BackendDataError(
                        f"{collection}.{record_id}.{field}",
                        f"points at {target} record {ref!r}, which does not exist",
                    )
