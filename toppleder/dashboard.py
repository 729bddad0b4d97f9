"""The role-aware dashboard at "/" is assembled from panels that each app registers.

An app's `dashboard.py` registers functions with `@panel("leader", order=..)` (or "hr");
each takes the request and returns a context dict for its template, or None to hide.
So each app owns its own part of "Mitt program" and of HR's overview.
"""

from dataclasses import dataclass
from typing import Callable

_PANELS: dict[str, list["Panel"]] = {"leader": [], "hr": []}


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    build: Callable


def panel(role: str, *, template: str, order: int = 50):
    def register(fn):
        _PANELS[role].append(Panel(template=template, order=order, build=fn))
        _PANELS[role].sort(key=lambda p: p.order)
        return fn

    return register


def render_panels(role: str, request) -> list[dict]:
    out = []
    for p in _PANELS[role]:
        ctx = p.build(request)
        if ctx is not None:
            out.append({"template": p.template, "context": ctx})
    return out
