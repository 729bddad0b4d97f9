"""Core models: the people and organisations every other app refers to."""

import secrets
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ROLE_HR = "HR"
ROLE_ADMIN = "Administrator"
# A facilitator account (an HR adviser, an external coach): grants nothing but the groups the
# person is named facilitator of. HR advisers who facilitate have both HR and this role.
ROLE_FACILITATOR = "Facilitator"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: e-mail is the login; there is no username."""

    class Language(models.TextChoices):
        NB = "nb", _("Norwegian Bokmål")
        EN = "en", _("English")

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=5, choices=Language.choices, default=Language.NB)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("May sign in to the admin site."))
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # When the account was deactivated (a leader who left): the retention rule counts from here.
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def save(self, *args, **kwargs):
        # Deactivating (in the admin, or anonymising) starts the retention clock; reactivating stops it.
        if self.is_active:
            self.deactivated_at = None
        elif self.deactivated_at is None:
            self.deactivated_at = timezone.now()
        fields = kwargs.get("update_fields")
        if fields is not None and "is_active" in fields:
            kwargs["update_fields"] = {*fields, "deactivated_at"}
        super().save(*args, **kwargs)

    def get_short_name(self):
        return (self.name or self.email).split(" ")[0]


class Sector(models.Model):
    """A city government department's area ("HEL sektor"); organisations belong to one."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """A department, district, agency or enterprise ("virksomhet")."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("City government department")
        DISTRICT = "district", _("City district")
        AGENCY = "agency", _("Agency")
        ENTERPRISE = "enterprise", _("Municipal enterprise")

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("sector"))
    governed_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="governs",
        verbose_name=_("governed by"),
        help_text=_("The governing organisation: the line of command."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(governed_by=models.F("pk")), name="organisation_not_own_governor"
            )
        ]

    def __str__(self):
        return self.name


class LeaderQuerySet(models.QuerySet):
    def with_org(self):
        return self.select_related("user", "organisation", "organisation__sector")

    def active(self):
        return self.filter(user__is_active=True)


class Leader(models.Model):
    """A person's leader profile. Level 1 is a top leader, 3 a first-line leader."""

    class Level(models.IntegerChoices):
        TOP = 1, _("Top leader")
        MIDDLE = 2, _("Level 2 leader")
        FIRST_LINE = 3, _("First-line leader")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="leader", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="leaders", verbose_name=_("organisation")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.TOP)
    top_leader_since = models.DateField(_("top leader since"), null=True, blank=True)
    # Secret for the personal calendar feed; the leader can reset it.
    calendar_token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)

    objects = LeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("leader")
        verbose_name_plural = _("leaders")
        ordering = ["user__name"]
        constraints = [models.CheckConstraint(condition=models.Q(level__in=[1, 2, 3]), name="leader_level_1_to_3")]

    def __str__(self):
        return str(self.user)

    @property
    def name(self):
        return self.user.get_full_name()

    @property
    def is_new_top_leader(self) -> bool:
        """New top leader: a top leader for less than twelve months (the Partner scheme)."""
        if self.level != self.Level.TOP or not self.top_leader_since:
            return False
        return self.top_leader_since > date.today() - timedelta(days=365)


class LeaderGroup(models.Model):
    """An organisation's top leader group (the director and their leaders)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="leader_groups", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(Leader, related_name="leader_groups", blank=True, verbose_name=_("members"))
    is_top_leader_group = models.BooleanField(_("top leader group"), default=True)

    class Meta:
        verbose_name = _("leader group")
        verbose_name_plural = _("leader groups")
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="leader_group_unique_name")]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------------------
# E-mail: the outbox (every e-mail, once) and leaders' notification preferences.
# ---------------------------------------------------------------------------


class OutboxMessage(models.Model):
    """One e-mail to one person. The unique `key` names the event, so a task that runs
    twice, is retried or is interrupted never produces a second row (or a second copy).

    Subject and bodies are rendered at send time (so a mail never shows a session's old
    time) and kept here so HR can see exactly what went out.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPERSEDED = "superseded", _("Not sent (outdated)")

    class Kind(models.TextChoices):
        SESSION_INVITATION = "session_invitation", _("Session invitation")
        REGISTRATION_CONFIRMED = "registration_confirmed", _("Registration confirmation")
        REGISTRATION_WAITLISTED = "registration_waitlisted", _("Waiting-list confirmation")
        REGISTRATION_CANCELLED = "registration_cancelled", _("Cancellation confirmation")
        REGISTRATION_PROMOTED = "registration_promoted", _("Seat from the waiting list")
        SESSION_CHANGED = "session_changed", _("Session changed")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        SESSION_REMINDER = "session_reminder", _("Session reminder (48 hours)")
        WAITLIST_OFFER = "waitlist_offer", _("Seat offered from the waiting list")
        SEAT_OPEN = "seat_open", _("Seat free, first to accept (close to the start)")
        MEETING_INVITATION = "meeting_invitation", _("Group meeting invitation")
        MEETING_CANCELLED = "meeting_cancelled", _("Group meeting cancelled")
        PAIR_MEETING_INVITATION = "pair_meeting_invitation", _("Mentor meeting invitation")
        PAIR_MEETING_CANCELLED = "pair_meeting_cancelled", _("Mentor meeting cancelled")
        INVITATION_NUDGE = "invitation_nudge", _("Reminder to answer an invitation")
        COMMITMENT_REMINDER = "commitment_reminder", _("Commitment due soon")
        GROUP_INTRODUCTION = "group_introduction", _("Group introduction")
        PAIR_INTRODUCTION = "pair_introduction", _("Mentor pair introduction")
        SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
        SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
        FACILITATOR_INVITATION = "facilitator_invitation", _("Facilitator invitation")
        SIGNIN_LOCKED = "signin_locked", _("Many wrong passwords")

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    recipient = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    to_email = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=5, default="nb")
    # What the e-mail is about: a model row (generic) and/or a plain reference.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_ref = models.CharField(_("about"), max_length=200, blank=True)
    # Facts fixed when the event happened (e.g. the session's SEQUENCE), used to detect
    # that a queued message has been overtaken by a newer one.
    params = models.JSONField(default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    ics = models.TextField(_("calendar attachment"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Set just before the final "." of SMTP DATA: from then on the server may have
    # accepted the message, so an interrupted delivery is never repeated (toppleder/outbox).
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # Back-off: a temporary failure puts the message back in the queue until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to_email}"


class NotificationPreference(models.Model):
    """Which optional e-mails a person has turned off. Invitations, confirmations,
    changes and cancellations always go out; only reminders can be muted."""

    OPTIONAL_KINDS = (
        OutboxMessage.Kind.SESSION_REMINDER,
        OutboxMessage.Kind.INVITATION_NUDGE,
        OutboxMessage.Kind.SURVEY_REMINDER,
    )

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference", verbose_name=_("user")
    )
    session_reminders = models.BooleanField(_("reminders 48 hours before a session"), default=True)
    survey_reminders = models.BooleanField(_("reminders about unanswered surveys"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    def allows(self, kind: str) -> bool:
        if kind in (OutboxMessage.Kind.SESSION_REMINDER, OutboxMessage.Kind.INVITATION_NUDGE):
            return self.session_reminders
        if kind == OutboxMessage.Kind.SURVEY_REMINDER:
            return self.survey_reminders
        return True


# The audit log lives in its own module (toppleder/audit.py); importing it here registers the model.
from toppleder.audit import AuditEntry  # noqa: E402, F401
