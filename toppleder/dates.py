"""One way to write dates and times, in every page, e-mail, PDF, calendar entry and file name.

Norwegian: "torsdag 3. desember 2026 kl. 13.00–16.00", "19. okt. 2026", "kl. 14.00"; English
gets English formats. The pieces come from the format modules (toppleder/formats/<lang>/,
settings.FORMAT_MODULE_PATH); the words around them ("kl.") are translations, so the active
language decides both. Times are shown in Europe/Oslo.

Templates use the `when` filter (toppleder/templatetags/toppleder_dates.py), Python code the
functions here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

STYLES = ("date", "short", "weekday", "time", "datetime", "full", "short_datetime", "month", "day_month")


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def clock(value) -> str:
    """ "kl. 13.00" (nb) / "13:00" (en)."""
    return pgettext("time of day", "at %(time)s") % {"time": date_format(_local(value), "TIME_FORMAT")}


def fmt(value, style: str = "date") -> str:
    """`value` (a date or an aware datetime) in one of STYLES; "" for None."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if style == "date":
        return date_format(value, "DATE_FORMAT")
    if style == "short":
        return date_format(value, "SHORT_DATE_FORMAT")
    if style == "weekday":
        return f"{date_format(value, 'l')} {date_format(value, 'DATE_FORMAT')}"
    if style == "month":
        return date_format(value, "YEAR_MONTH_FORMAT")
    if style == "day_month":
        return date_format(value, "MONTH_DAY_FORMAT")
    if style == "time":
        return clock(value)
    if style == "datetime":
        return _("%(date)s %(time)s") % {"date": date_format(value, "DATE_FORMAT"), "time": clock(value)}
    if style == "short_datetime":
        return _("%(date)s %(time)s") % {"date": date_format(value, "SHORT_DATE_FORMAT"), "time": clock(value)}
    if style == "full":
        return _("%(date)s %(time)s") % {"date": fmt(value, "weekday"), "time": clock(value)}
    raise ValueError(f"unknown date style {style!r}")


def span(starts_at, ends_at, style: str = "full") -> str:
    """ "torsdag 3. desember 2026 kl. 13.00–16.00"; across midnight both ends get their date."""
    start, end = _local(starts_at), _local(ends_at)
    if end is None:
        return fmt(start, style)
    if start.date() != end.date():
        return f"{fmt(start, style)} – {fmt(end, style)}"
    day = fmt(start, "weekday" if style == "full" else "date")
    times = f"{date_format(start, 'TIME_FORMAT')}–{date_format(end, 'TIME_FORMAT')}"
    return _("%(date)s %(time)s") % {"date": day, "time": pgettext("time of day", "at %(time)s") % {"time": times}}


_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def filename(*parts, suffix: str) -> str:
    """A download name from Norwegian words: "fremdriftsrapport-lederloft-oslo.pdf" (æ ø å
    written ae o a, the rest as Django's slugify)."""
    from django.utils.text import slugify

    words = [slugify(str(p).translate(_TRANSLITERATE))[:60] for p in parts if str(p)]
    return "-".join(w for w in words if w) + suffix
