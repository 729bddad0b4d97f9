"""A person's own data as a readable PDF (GDPR article 15): what
`toppleder.privacy.personal_data_collect` finds, as one table per kind of record."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from toppleder.privacy import personal_data_collect


def personal_data_context(user, *, language: str) -> dict:
    """The personal-data PDF's context for `user`, titled in `language`."""
    data = personal_data_collect(user)
    sections = []
    # A person without a leader profile has no records that point at one.
    for key, rows in sorted({**data["related_to_user"], **data.get("related_to_leader", {})}.items()):
        columns = [c for c in rows[0] if c != "_object"]
        sections.append({"title": key, "columns": columns, "rows": [[row.get(c) for c in columns] for row in rows]})
    return {
        "report": {
            "title": _("My personal data"),
            "lang": language,
            "generated_at": timezone.now(),
            "generated_by": user.get_full_name(),
        },
        "data": data,
        "sections": sections,
    }
