"""The programme's reference data, loaded once from reference.yaml (never retyped).

reference.yaml is the shared domain file as it is; the portal's own sections in the same
form (the unions, "hovedsammenslutningene") are in reference_portal.yaml
(`REFERENCE_DATA_PORTAL`), merged in here. A section belongs to one file only.

`choices(...)` turns a list of {key, nb, en} entries into model choices whose labels
follow the active language, so the same field reads "Temasamling" in Norwegian and
"Theme gathering" in English.
"""

from functools import cache

import yaml
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import get_language


@cache
def load() -> dict:
    with open(settings.REFERENCE_DATA, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    with open(settings.REFERENCE_DATA_PORTAL, encoding="utf-8") as fh:
        portal = yaml.safe_load(fh) or {}
    both = sorted(set(data) & set(portal))
    if both:
        raise ValueError(f"reference sections in both files: {', '.join(both)}")
    return {**data, **portal}


def _label(entry: dict) -> str:
    lang = (get_language() or "nb")[:2]
    return entry.get(lang) or entry.get("nb") or entry["key"]


label = lazy(_label, str)


def entries(section: str) -> list[dict]:
    return load()[section]


def choices(section: str) -> list[tuple[str, str]]:
    return [(e["key"], label(e)) for e in entries(section)]


def entry(section: str, key: str) -> dict:
    for e in entries(section):
        if e["key"] == key:
            return e
    raise KeyError(f"{section}.{key}")
