"""Sign-in limits that a shared office network survives (toppleder/signin.py): brute force on an
account is still stopped, but an address is never locked, and a whole invitation wave from one
address gets in."""

import time

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, LeaderFactory, UserFactory
from toppleder.models import OutboxMessage, User

pytestmark = pytest.mark.django_db
OFFICE = "10.20.30.40"  # one outgoing address for the whole municipality


def _sign_in(email, password, ip=OFFICE):
    client = Client(REMOTE_ADDR=ip)
    client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session


def test_200_leaders_signing_in_from_one_address_within_a_minute_all_get_in(settings):
    hashed = make_password(TEST_PASSWORD)
    leaders = [LeaderFactory(user__email=f"invitasjon{n:03d}@toppleder.example") for n in range(200)]
    User.objects.filter(pk__in=[x.user_id for x in leaders]).update(password=hashed)
    Client(REMOTE_ADDR=OFFICE).get(reverse("account_login"))  # viewing the form counts for nothing
    # Some mistype first, as people do: their failures count against their own account only.
    for leader in leaders[:30]:
        assert not _sign_in(leader.user.email, "feil")
    started = time.monotonic()
    signed_in = sum(_sign_in(leader.user.email, TEST_PASSWORD) for leader in leaders)
    assert signed_in == 200
    assert time.monotonic() - started < 60


def test_brute_force_on_one_account_is_stopped_even_with_the_right_password_and_the_owner_is_told(
    settings, django_capture_on_commit_callbacks
):
    user = UserFactory(email="mal@toppleder.example")
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(settings.SIGNIN_ACCOUNT_FAILURES):
            assert not _sign_in(user.email, f"feil-{attempt}", ip=f"192.0.2.{attempt}")  # from many addresses
        assert not _sign_in(user.email, TEST_PASSWORD)  # paused: the right password does not help now
        for attempt in range(settings.SIGNIN_RESET_AFTER):
            _sign_in(user.email, f"feil-igjen-{attempt}")
    # One e-mail to the owner, with a link to choose a new password that the outbox does not keep.
    messages = OutboxMessage.objects.filter(recipient=user, kind="signin_locked")
    assert messages.count() == 1
    assert "/accounts/password/reset/key/[…]/" in messages.get().body_text


def test_an_address_with_many_failures_is_slowed_never_locked(settings):
    settings.SIGNIN_ADDRESS_FAILURES = 20
    settings.SIGNIN_ADDRESS_DELAY = 0.2
    # Password spraying: one wrong guess for each of 25 accounts from the office address.
    for n in range(25):
        _sign_in(f"gjett{n}@toppleder.example", "Sommer2026!")
    leader = LeaderFactory()
    started = time.monotonic()
    assert _sign_in(leader.user.email, TEST_PASSWORD)  # still gets in, after a short wait
    assert time.monotonic() - started >= 0.2
    assert _sign_in(leader.user.email, TEST_PASSWORD, ip="10.99.99.99")  # another address: no wait


def test_only_failed_attempts_count_against_an_account(settings):
    user = UserFactory()
    for _ in range(settings.SIGNIN_ACCOUNT_FAILURES * 3):
        assert _sign_in(user.email, TEST_PASSWORD)
    for _ in range(settings.SIGNIN_ACCOUNT_FAILURES - 1):
        assert not _sign_in(user.email, "feil")
    assert _sign_in(user.email, TEST_PASSWORD)
