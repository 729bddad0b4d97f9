from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "programmes"
    verbose_name = _("Programmes")

    def ready(self):
        from programmes import seats
        from programmes.models import EnrolmentCount, ProgrammeEnrolment, Registration
        from toppleder import caching
        from toppleder.models import Leader

        # A registration deleted by a cascade (a person erased) no longer counts as a seat.
        post_delete.connect(seats.registration_deleted, sender=Registration, dispatch_uid="seats-deleted")
        # The enrolment counts are written by triggers on enrolments and leaders
        # (migration 0014): a cached value read from them is stale when those change.
        caching.written_by_triggers(
            EnrolmentCount._meta.db_table, on=[ProgrammeEnrolment._meta.db_table, Leader._meta.db_table]
        )
