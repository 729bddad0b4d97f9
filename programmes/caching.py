"""What does not change per request, cached until what it shows changes.

The enrolment page's "enrol a leader group" and "enrol organisations" forms list every
leader group and organisation: rendering those selects was half the page's time. Their
HTML is cached per language under a version that any save or delete of a leader group or
organisation bumps (signals, connected in ProgrammesConfig.ready), with a time-out as a
backstop for bulk writes that send no signals (seed_demo).
"""

import hashlib

from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

VERSION_KEY = "programmes:choices-version"
TTL = 600


def choices_changed(**kwargs) -> None:
    """Signal receiver: leader groups or organisations changed; rendered choices are stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or expired): any new value starts a new version
        cache.set(VERSION_KEY, 1, None)


def rendered_form(name: str, form, render) -> str:
    """`render(form)` for an unbound form, from the cache while the choices are unchanged."""
    if form.is_bound:
        return render(form)
    version = cache.get_or_set(VERSION_KEY, 0, None)
    key = f"programmes:form-html:{name}:{get_language()}:{version}"
    html = cache.get(key)
    if html is None:
        html = str(render(form))
        cache.set(key, html, TTL)
    return mark_safe(html)  # noqa: S308 (our own form, rendered by crispy)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from toppleder.models import LeaderGroup, Organisation

    for model in (LeaderGroup, Organisation):
        post_save.connect(choices_changed, sender=model, dispatch_uid=f"programmes-choices-{model.__name__}-save")
        post_delete.connect(choices_changed, sender=model, dispatch_uid=f"programmes-choices-{model.__name__}-delete")


SUMMARY_TTL = 120


def enrolment_summary(programme) -> dict:
    """selectors.enrolment_summary, cached under a fingerprint of the programme's enrolments
    (one cheap aggregate instead of two grouped joins over every enrolment). Any enrolment,
    withdrawal or re-enrolment changes the fingerprint, bulk writes included; a leader moving
    organisation or a renamed organisation shows within SUMMARY_TTL seconds."""
    from django.db.models import Count, Max, Q

    from programmes import selectors
    from programmes.models import ProgrammeEnrolment

    fp = ProgrammeEnrolment.objects.filter(programme=programme).aggregate(
        n=Count("pk"),
        active=Count("pk", filter=Q(status=ProgrammeEnrolment.Status.ENROLLED)),
        last=Max("pk"),
        enrolled=Max("enrolled_at"),
        withdrawn=Max("withdrawn_at"),
    )
    raw = "{n}|{active}|{last}|{enrolled}|{withdrawn}".format(**fp)
    key = f"programmes:enrolment-summary:{programme.pk}:{hashlib.sha256(raw.encode()).hexdigest()[:24]}"
    summary = cache.get(key)
    if summary is None:
        summary = selectors.enrolment_summary(programme)
        cache.set(key, summary, SUMMARY_TTL)
    return summary
