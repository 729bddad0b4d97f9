"""Programmes, their sessions, enrolment, registration, measures and commitments."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from toppleder import reference
from toppleder.models import Leader, LeaderGroup, Organisation


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for enrolment")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    period = models.CharField(_("period"), max_length=50, help_text=_("For example 2026/27."))
    goal = models.CharField(_("goal"), max_length=300, blank=True)
    sub_goals = models.JSONField(_("sub-goals"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    enrolment_opens = models.DateField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes = models.DateField(_("enrolment closes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Eligibility: empty lists mean "no restriction" on that axis.
    eligible_levels = models.JSONField(_("eligible leader levels"), default=list, blank=True)
    eligible_org_kinds = models.JSONField(_("eligible organisation kinds"), default=list, blank=True)
    eligible_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="eligible_programmes", verbose_name=_("eligible organisations")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrolment_closes__isnull=True)
                | Q(enrolment_opens__isnull=True)
                | Q(enrolment_closes__gte=models.F("enrolment_opens")),
                name="programme_enrolment_window_ordered",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.period}".strip()

    def eligible_level_labels(self) -> list[str]:
        """The leader levels that may take part, as the UI names them (empty: every level)."""
        return [Leader.Level(v).label for v in self.eligible_levels if v in Leader.Level.values]

    def eligible_org_kind_labels(self) -> list[str]:
        """The kinds of organisation that may take part (empty: every kind)."""
        return [Organisation.Kind(v).label for v in self.eligible_org_kinds if v in Organisation.Kind.values]


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ProgrammeEnrolment.Status.ENROLLED)


class ProgrammeEnrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    via_group = models.ForeignKey(
        LeaderGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("via group")
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["programme", "leader"], name="enrolment_once_per_programme")]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self):
        return f"{self.leader} – {self.programme}"


class EnrolmentCount(models.Model):
    """How many leaders of an organisation are actively enrolled in a programme.

    Kept by the database: triggers on enrolments and on a leader's organisation (migration
    0014, for PostgreSQL and SQLite alike) change the count in the same transaction as the
    rows it counts, whichever code writes them (the services, a bulk update, the admin, a
    shell). The programme overview and HR's dashboard read these few rows, so their figures
    cost the same at 200 enrolments as at 20,000. Never written from Python.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(_("enrolled leaders"), default=0)

    class Meta:
        verbose_name = _("enrolment count")
        verbose_name_plural = _("enrolment counts")
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="enrolment_count_once"),
        ]

    def __str__(self):
        return f"{self.programme_id}/{self.organisation_id}: {self.count}"


class MeasureArea(models.Model):
    """One of the four measure areas of the district reform (loaded from reference.yaml)."""

    key = models.SlugField(unique=True)
    name_nb = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("measure area")
        verbose_name_plural = _("measure areas")
        ordering = ["order"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "nb").startswith("en") else self.name_nb


class Measure(models.Model):
    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term (2026–2027)")
        LONG = "long", _("Long term (2029–2030)")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        PAUSED = "paused", _("Paused")

    area = models.ForeignKey(MeasureArea, on_delete=models.CASCADE, related_name="measures", verbose_name=_("area"))
    text = models.CharField(_("measure"), max_length=300)
    horizon = models.CharField(_("horizon"), max_length=5, choices=Horizon.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["area__order", "order"]

    def __str__(self):
        return self.text

    def is_overdue(self, today) -> bool:
        return bool(self.target_date and self.target_date < today and self.status != self.Status.DONE)


class MeasureChange(models.Model):
    """One step in a measure's history: who changed its status or target date, when, and why."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="changes", verbose_name=_("measure"))
    at = models.DateTimeField(_("changed at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status_before = models.CharField(_("status before"), max_length=12, choices=Measure.Status.choices)
    status_after = models.CharField(_("status after"), max_length=12, choices=Measure.Status.choices)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("measure change")
        verbose_name_plural = _("measure changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self):
        return f"{self.measure} ({self.at:%Y-%m-%d})"


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Session.Status.PUBLISHED)

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now())


class Session(models.Model):
    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        DIGITAL = "digital", _("Digital")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("activity kind"), max_length=40, choices=reference.choices("activity_kinds"))
    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("For a hybrid session: the seats in the room."))
    # Hybrid only: seats for taking part online; empty means no limit.
    online_capacity = models.PositiveIntegerField(
        _("online seats"), null=True, blank=True, help_text=_("Hybrid sessions only. Leave empty for no limit.")
    )
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    reserved_for_groups = models.ManyToManyField(
        LeaderGroup,
        blank=True,
        related_name="reserved_sessions",
        verbose_name=_("reserved for leader groups"),
        help_text=_("Leave empty to open the session to every enrolled leader."),
    )
    measures = models.ManyToManyField(Measure, blank=True, related_name="sessions", verbose_name=_("measures served"))
    # iCalendar: a stable UID, and a SEQUENCE bumped whenever time or place changes.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Seats taken and people waiting, kept by programmes/seats.py inside the transaction that
    # changes a registration under the session's row lock: a list reads them, never counts.
    confirmed_count = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(_("waiting"), default=0, editable=False)
    offered_count = models.PositiveIntegerField(_("offered"), default=0, editable=False)  # seats held for an offer
    # The same for those taking part online in a hybrid session (the three above count the room).
    online_confirmed_count = models.PositiveIntegerField(_("confirmed online"), default=0, editable=False)
    online_waitlist_count = models.PositiveIntegerField(_("waiting online"), default=0, editable=False)
    online_offered_count = models.PositiveIntegerField(_("offered online"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    COUNTERS = (
        "confirmed_count",
        "waitlist_count",
        "offered_count",
        "online_confirmed_count",
        "online_waitlist_count",
        "online_offered_count",
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["programme", "starts_at"]), models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Saving a session read earlier (a form, the admin) never writes its counters back:
        # only programmes/seats.py writes them, under the row lock.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.COUNTERS
            ]
        super().save(*args, **kwargs)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count - self.offered_count, 0)

    @property
    def is_hybrid(self) -> bool:
        return self.format == self.Format.HYBRID

    @property
    def online_seats_left(self) -> int | None:
        """Free online seats of a hybrid session (None: no limit)."""
        if self.online_capacity is None:
            return None
        return max(self.online_capacity - self.online_confirmed_count - self.online_offered_count, 0)

    @property
    def online_open(self) -> bool:
        return self.online_capacity is None or bool(self.online_seats_left)

    @property
    def fill_percent(self) -> int:
        return self.confirmed_count * 100 // self.capacity if self.capacity else 0

    @property
    def is_open_for_registration(self) -> bool:
        now = timezone.now()
        deadline = self.registration_deadline or self.starts_at
        return self.status == self.Status.PUBLISHED and now < deadline


class Contributor(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="contributors")
    name = models.CharField(_("name"), max_length=200)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=reference.choices("external_contributor_kinds"))

    class Meta:
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")
        ordering = ["pk"]

    def __str__(self):
        return self.name


def material_upload_to(instance, filename):
    return f"materials/{instance.session_id}/{uuid.uuid4().hex}/{filename}"


class Material(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to=material_upload_to, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(file=""), name="material_has_link_or_file"),
        ]

    def __str__(self):
        return self.title


class GroupDelegate(models.Model):
    """A leader who may book seats for a leader group on behalf of its top leader."""

    group = models.ForeignKey(
        LeaderGroup, on_delete=models.CASCADE, related_name="booking_delegates", verbose_name=_("leader group")
    )
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="+", verbose_name=_("delegate"))

    class Meta:
        verbose_name = _("group booking delegate")
        verbose_name_plural = _("group booking delegates")
        constraints = [models.UniqueConstraint(fields=["group", "leader"], name="group_delegate_once")]

    def __str__(self):
        return f"{self.leader} – {self.group}"


class GroupBooking(models.Model):
    """A top leader (or their delegate) signed up all or some of their leader group at once.

    Each member has their own registration (`Registration.group_booking`). "All or none": the
    members wait as one unit when there are not enough seats and are offered the seats
    together (programmes/services/registrations.py `promote_waiting`). "As many as fit": the
    free seats are taken and the rest wait one by one.
    """

    class Mode(models.TextChoices):
        ALL_OR_NONE = "all", _("All or none")
        AS_MANY_AS_FIT = "fit", _("As many as fit")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="group_bookings")
    group = models.ForeignKey(
        LeaderGroup, on_delete=models.CASCADE, related_name="group_bookings", verbose_name=_("leader group")
    )
    booked_by = models.ForeignKey(
        Leader, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("booked by")
    )
    mode = models.CharField(_("if there are not enough seats"), max_length=3, choices=Mode.choices)
    size = models.PositiveIntegerField(_("members booked"))
    created_at = models.DateTimeField(_("booked at"), default=timezone.now)

    class Meta:
        verbose_name = _("group booking")
        verbose_name_plural = _("group bookings")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.group} – {self.session}"


class Participant(models.Model):
    """Someone who takes part in sessions without a leader profile: a politician, a political
    secretary, a union representative, a guest or a contributor (the city government's leader
    conferences, "Byrådets ledersamlinger"). HR invites them by name (programmes/services/guests.py).

    Name and e-mail are on their `User` (no usable password), as for a leader, because the
    outbox, the one-click links and the calendar entries are addressed to a user. A person
    who is a leader is never a participant too: the invitation attaches their leader profile.
    Participants count in attendance and in the reports by category, never in leader
    statistics or surveys.
    """

    class Category(models.TextChoices):
        POLITICIAN = "politician", _("Politician")
        POLITICAL_SECRETARY = "political_secretary", _("Political secretary")
        UNION_REPRESENTATIVE = "union_representative", _("Union representative")
        GUEST = "guest", _("Guest")
        CONTRIBUTOR = "contributor", _("Contributor")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant", verbose_name=_("user")
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, help_text=_("For example the city government or a company.")
    )
    union = models.CharField(_("union"), max_length=20, blank=True, choices=reference.choices("unions"))
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("participant (not a leader)")
        verbose_name_plural = _("participants (not leaders)")
        ordering = ["user__name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(category="union_representative") | ~Q(union=""),
                name="participant_union_representative_has_union",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.user.get_full_name()

    @property
    def affiliation(self) -> str:
        """The union for a union representative, else the organisation (as lists show it)."""
        return self.get_union_display() if self.union else self.organisation


class GuestInvitation(models.Model):
    """HR invited someone to a session by name: a participant, or a leader outside the
    programme (a guest who turned out to be a leader). Either may then sign up from the
    invitation's one-click link, under the same capacity and waiting list as everyone."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="guest_invitations")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    leader = models.ForeignKey(
        Leader, on_delete=models.CASCADE, null=True, blank=True, related_name="guest_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    # "Jeg kan ikke" from a participant (a leader's goes to SessionDecline as always).
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guest invitation")
        verbose_name_plural = _("guest invitations")
        ordering = ["session_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participant__isnull=False, leader__isnull=True)
                | Q(participant__isnull=True, leader__isnull=False),
                name="guest_invitation_one_person",
            ),
            models.UniqueConstraint(
                fields=["session", "participant"], name="guest_invitation_participant_once_per_session"
            ),
            models.UniqueConstraint(fields=["session", "leader"], name="guest_invitation_leader_once_per_session"),
        ]

    def __str__(self):
        return f"{self.participant or self.leader} – {self.session}"

    @property
    def person(self):
        return self.participant if self.participant_id else self.leader


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        # A freed seat held for this leader until offer_expires_at ("Behold plassen").
        OFFERED = "offered", _("Offered a seat")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        # A hybrid session has two: a seat in the room or a place online. Other sessions: room.
        ROOM = "room", _("In the room")
        ONLINE = "online", _("Online")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")
        # Sent apologies before the start ("Kan ikke komme"): not a no-show.
        EXCUSED = "excused", _("Excused absence")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    # A leader, or a participant who is not a leader (a politician, a union representative…):
    # exactly one. Both share the session's seats, waiting lists, links and calendar entries.
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, null=True, blank=True, related_name="registrations")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="registrations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Order on the waiting list (lower first); null unless waitlisted.
    waitlist_position = models.PositiveIntegerField(_("waiting-list position"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    mode = models.CharField(_("taking part"), max_length=6, choices=Mode.choices, default=Mode.ROOM, db_default="room")
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    # Added to the session's SEQUENCE in the leader's calendar entry; bumped at every change
    # of status, so a CANCEL is newer than the REQUEST before it (programmes/calendar.py).
    calendar_sequence = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Signed up by their top leader (or delegate) together with others of their leader group.
    group_booking = models.ForeignKey(
        GroupBooking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("group booking"),
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["session", "leader"], name="registration_once_per_session"),
            models.UniqueConstraint(
                fields=["session", "participant"], name="registration_participant_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(leader__isnull=False, participant__isnull=True)
                | Q(leader__isnull=True, participant__isnull=False),
                name="registration_one_person",
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="registration_position_only_when_waitlisted",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["leader", "status"]),
        ]

    def __str__(self):
        return f"{self.person} – {self.session}"

    @property
    def person(self):
        """The leader or the participant (both have `user` and `name`)."""
        return self.participant if self.participant_id else self.leader

    @property
    def affiliation(self) -> str:
        """What lists show beside the name: the leader's organisation, a participant's
        organisation or union."""
        if self.participant_id:
            return self.participant.affiliation
        return self.leader.organisation.name

    # A cancelled seat can be taken back this long after the cancellation, if still free.
    UNDO_WINDOW = timedelta(minutes=10)

    @property
    def undo_until(self):
        """Until when the leader may undo their cancellation (None: not cancelled)."""
        if self.status != self.Status.CANCELLED or self.cancelled_at is None:
            return None
        return self.cancelled_at + self.UNDO_WINDOW

    @classmethod
    def from_db(cls, db, field_names, values):
        reg = super().from_db(db, field_names, values)
        # The status as read: programmes/seats.py moves the session's counters by the change.
        reg._seat_status = reg.__dict__.get("status")
        reg._seat_mode = reg.__dict__.get("mode")
        return reg


class SessionDecline(models.Model):
    """An invited leader said "Jeg kan ikke" (from the invitation): no reminders about it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="declines")
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="session_declines")
    declined_at = models.DateTimeField(_("declined at"), default=timezone.now)

    class Meta:
        verbose_name = _("declined invitation")
        verbose_name_plural = _("declined invitations")
        constraints = [models.UniqueConstraint(fields=["session", "leader"], name="decline_once_per_session")]

    def __str__(self):
        return f"{self.leader} – {self.session}"


class EmailActionUse(models.Model):
    """A one-click link from an e-mail that has been used (programmes/email_actions.py).

    The unique digest makes every link single use: a second POST with the same link cannot
    insert its row. The link itself is never stored, only its SHA-256.
    """

    digest = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("used e-mail link")
        verbose_name_plural = _("used e-mail links")

    def __str__(self):
        return f"{self.action} {self.session_id} {self.user_id}"


class WaitlistChange(models.Model):
    """HR moved someone on a waiting list; the reason is required and kept."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="waitlist_changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    old_position = models.PositiveIntegerField()
    new_position = models.PositiveIntegerField()
    reason = models.CharField(_("reason"), max_length=300)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("waiting-list change")
        verbose_name_plural = _("waiting-list changes")
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.registration_id}: {self.old_position} → {self.new_position}"


class Commitment(models.Model):
    """An agreement between top leaders made at a session ("avtaler/forpliktelser")."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="commitments")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments")
    text = models.TextField(_("commitment"))
    parties = models.ManyToManyField(Leader, related_name="commitments", verbose_name=_("parties"))
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="commitments", verbose_name=_("organisations")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    follow_up = models.TextField(_("follow-up"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.text[:60]


# ---------------------------------------------------------------------------
# Leader-group courses: an ordered series of sessions reserved for one leader group (or a
# few), with a facilitator. HR makes many parallel courses from one template in one step.
# ---------------------------------------------------------------------------


class CourseTemplate(models.Model):
    """The shape of a course: its sessions' titles in order, their spacing and length."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(
        _("activity kind"),
        max_length=40,
        choices=reference.choices("activity_kinds"),
        default="leader_group_development",
    )
    description = models.TextField(_("description"), blank=True)
    session_titles = models.JSONField(_("session titles, in order"), default=list)
    weeks_between = models.PositiveSmallIntegerField(_("weeks between sessions"), default=4)
    duration_minutes = models.PositiveSmallIntegerField(_("length of a session (minutes)"), default=180)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course template")
        verbose_name_plural = _("course templates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=15), name="course_template_duration_15_minutes"),
        ]

    def __str__(self):
        return self.name


class Course(models.Model):
    """A course for one leader group (or a few): its sessions are reserved for those groups."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="courses")
    template = models.ForeignKey(
        CourseTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    title = models.CharField(_("title"), max_length=200)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_courses",
        verbose_name=_("facilitator"),
    )
    groups = models.ManyToManyField(LeaderGroup, related_name="courses", verbose_name=_("leader groups"))
    sessions = models.ManyToManyField(Session, through="CourseSession", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["programme_id", "title", "pk"]

    def __str__(self):
        return self.title


class CourseSession(models.Model):
    """A session's place in its course (a session belongs to one course at most)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_sessions")
    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="course_link")
    position = models.PositiveSmallIntegerField(_("number in the course"))

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["course_id", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "position"], name="course_session_position_once")]

    def __str__(self):
        return f"{self.course_id}.{self.position}"


class CollaborationProject(models.Model):
    """A collaboration project across organisations ("samhandlingsprosjekt"): who takes part,
    the sessions where it was worked on, how far it has come and what came of it."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        ACTIVE = "active", _("Under way")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organisations = models.ManyToManyField(Organisation, related_name="projects", verbose_name=_("organisations"))
    leaders = models.ManyToManyField(Leader, related_name="projects", verbose_name=_("leaders"))
    sessions = models.ManyToManyField(
        Session, blank=True, related_name="projects", verbose_name=_("sessions where it was worked on")
    )
    commitments = models.ManyToManyField(Commitment, blank=True, related_name="projects", verbose_name=_("commitments"))
    measures = models.ManyToManyField(Measure, blank=True, related_name="projects", verbose_name=_("measures"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("collaboration project")
        verbose_name_plural = _("collaboration projects")
        ordering = ["programme_id", "title", "pk"]

    def __str__(self):
        return self.title
