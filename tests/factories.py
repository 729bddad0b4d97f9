"""Shared test factories (factory_boy). Import them as `from tests.factories import LeaderFactory`.

The core factories come first; helpers APPEND their own factories at the end of this
file (or put many in tests/<app>/factories.py). Don't rewrite the ones above yours.
"""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group

from toppleder.models import ROLE_ADMIN, ROLE_FACILITATOR, ROLE_HR, Leader, LeaderGroup, Organisation, Sector, User

TEST_PASSWORD = "Toppleder-test-pass-1"  # noqa: S105 (a fixture's password, not a secret)


class UserFactory(factory.django.DjangoModelFactory):
    """A plain signed-in person. `UserFactory(roles=["HR"])` adds Django auth groups."""

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n:04d}@toppleder.example")
    name = factory.Sequence(lambda n: f"Kari Nordmann {n}")
    language = "nb"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            add_roles(self, extracted)


def add_roles(user, roles):
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])


class HRUserFactory(UserFactory):
    """HR staff (the leadership-development team); they work in the admin too, as in seed_demo."""

    email = factory.Sequence(lambda n: f"hr{n:04d}@toppleder.example")
    is_staff = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            add_roles(self, [ROLE_HR, *(extracted or [])])


class FacilitatorFactory(UserFactory):
    """A facilitator account (the municipality's own facilitator or an external coach): the
    facilitator role and nothing else. `FacilitatorFactory(roles=["HR"])`: an HR adviser who facilitates."""

    email = factory.Sequence(lambda n: f"fasilitator{n:04d}@toppleder.example")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            add_roles(self, [ROLE_FACILITATOR, *(extracted or [])])


class AdminUserFactory(UserFactory):
    """An administrator: the Administrator group plus Django staff/superuser (the admin site)."""

    email = factory.Sequence(lambda n: f"admin{n:04d}@toppleder.example")
    is_staff = True
    is_superuser = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            add_roles(self, [ROLE_ADMIN, *(extracted or [])])


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"Sektor {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Virksomhet {n}")
    code = factory.Sequence(lambda n: f"V{n:03d}")
    kind = Organisation.Kind.AGENCY
    sector = factory.SubFactory(SectorFactory)
    governed_by = None


class LeaderFactory(factory.django.DjangoModelFactory):
    """A top leader (level 1) for three years: not a new top leader."""

    class Meta:
        model = Leader

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    title = "Direktør"
    level = Leader.Level.TOP
    top_leader_since = factory.LazyFunction(lambda: date.today() - timedelta(days=3 * 365))

    class Params:
        # LeaderFactory(new=True): top leader for two months (the Partner scheme).
        new = factory.Trait(top_leader_since=factory.LazyFunction(lambda: date.today() - timedelta(days=60)))


class LeaderGroupFactory(factory.django.DjangoModelFactory):
    """An organisation's top leader group. `LeaderGroupFactory(members=[leader, ...])`."""

    class Meta:
        model = LeaderGroup
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.LazyAttribute(lambda g: f"Toppledergruppen i {g.organisation.name}")
    is_top_leader_group = True

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


# ---------------------------------------------------------------------------
# Helpers: append your factories below this line.
# ---------------------------------------------------------------------------
