"""Leader-group courses: a template, and many parallel courses made from it in one step.

A course is an ordered series of sessions reserved for one leader group (or a few taken
together), with a named facilitator. `courses_create` makes every course, every session, the
reservations and the enrolments of the groups in one transaction: either all 44 courses
exist afterwards or none does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import tasks
from programmes.models import Course, CourseSession, CourseTemplate, Programme, Session
from programmes.services.enrolment import enrolment_add_groups
from programmes.services.sessions import _validate as validate_session
from toppleder import audit, reference
from toppleder.celery import queue_after_commit
from toppleder.models import LeaderGroup
from toppleder.permissions import can_facilitate

MAX_SESSIONS = 24  # sessions in one template
MAX_GROUPS = 200  # leader groups in one step


def _clean_titles(titles: Iterable) -> list[str]:
    return [str(t).strip() for t in (titles or ()) if str(t).strip()]


@transaction.atomic
def course_template_create(
    *,
    name: str,
    session_titles: Iterable[str],
    by,
    kind: str = "leader_group_development",
    description: str = "",
    weeks_between: int = 4,
    duration_minutes: int = 180,
) -> CourseTemplate:
    """A course template: the sessions' titles in order, weeks between them, their length."""
    titles = _clean_titles(session_titles)
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the template a name.")]
    elif CourseTemplate.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("A template with this name exists already.")]
    if not titles:
        errors["session_titles"] = [_("Give the title of at least one session, one per line.")]
    elif len(titles) > MAX_SESSIONS:
        errors["session_titles"] = [_("A course can have at most %(max)d sessions.") % {"max": MAX_SESSIONS}]
    if kind not in {e["key"] for e in reference.entries("activity_kinds")}:
        errors["kind"] = [_("Choose an activity kind.")]
    if not (0 <= int(weeks_between) <= 52):
        errors["weeks_between"] = [_("Give 0 to 52 weeks between the sessions.")]
    if not (15 <= int(duration_minutes) <= 24 * 60):
        errors["duration_minutes"] = [_("A session lasts from 15 minutes to a day.")]
    if errors:
        raise ValidationError(errors)
    template = CourseTemplate.objects.create(
        name=name,
        kind=kind,
        description=(description or "").strip(),
        session_titles=titles,
        weeks_between=int(weeks_between),
        duration_minutes=int(duration_minutes),
    )
    audit.record(by, audit.CREATE, [template], audit.created(template), event="course_template_create")
    return template


def course_start_times(template: CourseTemplate, first_starts_at: datetime) -> list[datetime]:
    """Every session's start: the same wall-clock time in Oslo, `weeks_between` weeks apart
    (13.00 stays 13.00 across the change to and from summer time)."""
    local = timezone.localtime(first_starts_at).replace(tzinfo=None)
    return [
        timezone.make_aware(local + timedelta(weeks=template.weeks_between * n))
        for n in range(len(template.session_titles))
    ]


def courses_create(
    *,
    programme: Programme,
    template: CourseTemplate,
    groups: Iterable,
    first_starts_at: datetime,
    by,
    facilitator=None,
    place: str = "",
    video_link: str = "",
    format: str = Session.Format.IN_PERSON,  # noqa: A002  (the session field's name)
    together: bool = False,
    publish: bool = False,
) -> list[Course]:
    """One course per leader group (or, `together`, one course for all of them) from a template.

    Each course gets the template's sessions, reserved for its group(s), with as many seats as
    the groups have members; the groups are enrolled in the programme. `publish` publishes the
    sessions at once (the members are invited after the commit). One transaction: any bad
    group, a group that already has this course, or a session the rules refuse, and nothing
    is made.
    """
    group_ids = sorted({getattr(g, "pk", g) for g in groups or ()})
    chosen = list(
        LeaderGroup.objects.filter(pk__in=group_ids)
        .select_related("organisation")
        .annotate(n_members=Count("members"))
        .order_by("name")
    )
    errors: dict[str, list] = {}
    if not group_ids:
        errors["groups"] = [_("Choose at least one leader group.")]
    elif len(chosen) != len(group_ids):
        errors["groups"] = [_("Unknown leader group.")]
    elif len(chosen) > MAX_GROUPS:
        errors["groups"] = [_("Choose at most %(max)d leader groups at a time.") % {"max": MAX_GROUPS}]
    if not template.session_titles:
        errors["template"] = [_("The template has no sessions.")]
    if facilitator is not None and not can_facilitate(facilitator):
        errors["facilitator"] = [_("Choose a facilitator account or a top leader: this person cannot facilitate.")]
    if first_starts_at is None:
        errors["first_starts_at"] = [_("Give the start of the first session.")]
    members = {g.pk: g.n_members for g in chosen}
    empty = [g.name for g in chosen if not members[g.pk]]
    if empty:
        errors.setdefault("groups", []).append(
            _("These leader groups have no members: %(names)s.") % {"names": ", ".join(empty)}
        )
    taken = sorted(
        set(
            Course.objects.filter(programme=programme, template=template, groups__in=group_ids).values_list(
                "groups__name", flat=True
            )
        )
    )
    if taken:
        errors.setdefault("groups", []).append(
            _("These leader groups already have this course in the programme: %(names)s.") % {"names": ", ".join(taken)}
        )
    if errors:
        raise ValidationError(errors)

    starts = course_start_times(template, first_starts_at)
    length = timedelta(minutes=template.duration_minutes)
    batches = [chosen] if together else [[g] for g in chosen]
    status = Session.Status.PUBLISHED if publish else Session.Status.DRAFT
    with transaction.atomic():
        enrolment_add_groups(programme=programme, groups=chosen, by=by)
        courses, sessions, links, reserved = [], [], [], []
        for batch in batches:
            title = f"{template.name} – {batch[0].name}" if len(batch) == 1 else template.name
            course = Course(programme=programme, template=template, title=title[:200], facilitator=facilitator)
            courses.append((course, batch))
            seats = sum(members[g.pk] for g in batch)
            for position, (session_title, start) in enumerate(zip(template.session_titles, starts, strict=True), 1):
                session = Session(
                    programme=programme,
                    kind=template.kind,
                    title=f"{session_title} ({batch[0].name})" if len(batch) == 1 else session_title,
                    description=template.description,
                    starts_at=start,
                    ends_at=start + length,
                    format=format,
                    place=place,
                    video_link=video_link,
                    capacity=seats,
                    status=status,
                )
                session.title = session.title[:200]
                validate_session(session)  # the same rules as one session made by hand
                sessions.append(session)
                links.append((course, session, position))
                reserved.extend((session, g) for g in batch)
        Course.objects.bulk_create([c for c, _batch in courses])
        Session.objects.bulk_create(sessions)
        Course.groups.through.objects.bulk_create(
            [Course.groups.through(course_id=c.pk, leadergroup_id=g.pk) for c, batch in courses for g in batch]
        )
        Session.reserved_for_groups.through.objects.bulk_create(
            [Session.reserved_for_groups.through(session_id=s.pk, leadergroup_id=g.pk) for s, g in reserved]
        )
        course_sessions = CourseSession.objects.bulk_create(
            [CourseSession(course=c, session=s, position=p) for c, s, p in links]
        )
        groups_of = {c.pk: sorted(g.pk for g in batch) for c, batch in courses}
        audit.record(
            by,
            audit.CREATE,
            [c for c, _batch in courses],
            lambda c: {**audit.created(c), "groups": [None, groups_of[c.pk]]},
            event="courses_create",
        )
        reserved_of: dict[int, list[int]] = {}
        for s, g in reserved:
            reserved_of.setdefault(s.pk, []).append(g.pk)
        audit.record(
            by,
            audit.CREATE,
            sessions,
            lambda s: {**audit.created(s), "reserved_for_groups": [None, sorted(reserved_of[s.pk])]},
            event="courses_create",
        )
        audit.record(by, audit.CREATE, course_sessions, audit.created, event="courses_create")
        if publish:
            for s in sessions:
                queue_after_commit(tasks.session_published, s.pk)
    return [c for c, _batch in courses]
