"""Factories for programmes (Programme, Session, enrolment, registration helpers)."""

from datetime import timedelta

import factory
from django.utils import timezone

from programmes import seats
from programmes.models import Commitment, Programme, ProgrammeEnrolment, Registration, Session
from tests.factories import LeaderFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = "Tilbud til toppledere"
    period = factory.Sequence(lambda n: f"20{26 + n % 70}/{27 + n % 70}")
    status = Programme.Status.RUNNING


class SessionFactory(factory.django.DjangoModelFactory):
    """A published in-person theme gathering a week from now, 20 seats."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    kind = "theme_gathering"
    title = factory.Sequence(lambda n: f"Temasamling {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=3))
    format = Session.Format.IN_PERSON
    place = "Rådhuset, Oslo"
    capacity = 20
    status = Session.Status.PUBLISHED


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeEnrolment

    programme = factory.SubFactory(ProgrammeFactory)
    leader = factory.SubFactory(LeaderFactory)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    leader = factory.SubFactory(LeaderFactory)
    status = Registration.Status.CONFIRMED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Made past the services, so the session's seat counters are counted afterwards
        (and refreshed on the session object the test holds)."""
        registration = super()._create(model_class, *args, **kwargs)
        seats.recount([registration.session_id])
        registration.session.refresh_from_db(fields=list(Session.COUNTERS))
        return registration


def enrolled_leader(programme, **kwargs):
    """A leader enrolled in `programme`."""
    leader = LeaderFactory(**kwargs)
    ProgrammeEnrolment.objects.create(programme=programme, leader=leader)
    return leader


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    text = "Vi deler erfaringer fra omstillingen innen utgangen av kvartalet."

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if create and extracted:
            self.parties.set(extracted)
