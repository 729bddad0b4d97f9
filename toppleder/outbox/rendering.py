"""What an e-mail says: the renderers, registered per kind, that write it at send time.

Each app's `notifications.py` registers a renderer per message kind with `@renderer(kind)`;
it is called when the message is sent (not when it is queued), so the e-mail shows the
facts as they are then, and raises Skip when the message has been overtaken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules

from toppleder.models import OutboxMessage


@dataclass
class Email:
    """A rendered e-mail. `ics_method` is PUBLISH, REQUEST or CANCEL when `ics` is set."""

    subject: str
    text: str
    html: str
    ics: str = ""
    ics_method: str = ""
    # Personal secrets in the text (a survey token): sent, but never stored in the outbox.
    secrets: list[str] = field(default_factory=list)

    def redacted(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[…]")
        return text


class Skip(Exception):
    """Raised by a renderer: this message is outdated (session changed, cancelled, …)."""


_renderers: dict[str, Callable[[OutboxMessage], Email]] = {}
_discovered = False


def renderer(kind: str):
    """Register the function that renders messages of `kind` at send time."""

    def register(func):
        _renderers[kind] = func
        return func

    return register


def get_renderer(kind: str) -> Callable[[OutboxMessage], Email]:
    # A worker may deliver before anything has imported the app that renders this kind.
    global _discovered
    if kind not in _renderers and not _discovered:
        autodiscover_modules("notifications")
        _discovered = True
    return _renderers[kind]


def render_email(name: str, context: dict, *, language: str) -> Email:
    """Render `templates/emails/<name>-subject.txt|-body.txt|-body.html` in `language`.

    The subject and the text part are plain text, rendered by the non-escaping "text"
    template engine; only the HTML part is escaped.
    """
    text_engine = engines["text"]
    ctx = {
        "site_url": settings.SITE_URL,
        "preferences_url": absolute_url("notification_preferences", fallback="/preferences/"),
        "language": language,
        **context,
    }
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        subject = text_engine.get_template(f"emails/{name}-subject.txt").render(ctx)
        text = text_engine.get_template(f"emails/{name}-body.txt").render(ctx)
        html = render_to_string(f"emails/{name}-body.html", ctx)
    return Email(subject=" ".join(subject.split())[:300], text=text.strip() + "\n", html=html)


def absolute_url(viewname: str, *args, fallback: str) -> str:
    """An absolute link for an e-mail; `fallback` is the stable path from DESIGN.md."""
    try:
        path = reverse(viewname, args=args)
    except NoReverseMatch:
        path = fallback
    return f"{settings.SITE_URL}{path}"
