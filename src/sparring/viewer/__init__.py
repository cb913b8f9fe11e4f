"""The local web viewer (reports): runs, conversations, comparisons, history, labelling, calibration; served from
several processes (`serve`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.viewer.app import create_app as create_app
    from sparring.viewer.export import export_site as export_site
    from sparring.viewer.security import checked_host_name as checked_host_name
    from sparring.viewer.serving import default_workers as default_workers
    from sparring.viewer.serving import serve as serve

__all__ = [
    "checked_host_name",
    "create_app",
    "default_workers",
    "export_site",
    "serve",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
