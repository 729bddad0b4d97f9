"""Shared fixtures for the programme view tests (import them into a test module with `from tests.programmes.web import *`)."""

import pytest

from tests.factories import HRUserFactory
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

__all__ = ["_no_mfa", "hr", "hr_client", "programme", "session", "me", "me_client", "other_client", "login"]


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    # HR must set up MFA outside tests; these tests are about the pages, not the MFA gate.
    settings.MFA_REQUIRED_FOR_STAFF = False


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def hr(db):
    return HRUserFactory()


@pytest.fixture
def hr_client(client, hr):
    return login(client, hr)


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def session(programme):
    return SessionFactory(programme=programme)


@pytest.fixture
def me(programme):
    """A leader enrolled in `programme`."""
    return enrolled_leader(programme)


@pytest.fixture
def me_client(client, me):
    return login(client, me.user)


@pytest.fixture
def other_client(client, db):
    """Leader B: enrolled in another programme only."""
    other = enrolled_leader(ProgrammeFactory())
    return login(client, other.user)
