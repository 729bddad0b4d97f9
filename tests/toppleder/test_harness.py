import pytest

from tests.factories import LeaderFactory, LeaderGroupFactory, OrganisationFactory
from toppleder.permissions import is_admin, is_hr, is_leader


@pytest.mark.django_db
def test_core_fixtures_have_their_roles(hr_user, admin_user, leader):
    assert is_hr(hr_user) and not is_admin(hr_user)
    assert is_admin(admin_user) and is_hr(admin_user)
    assert is_leader(leader.user) and not is_hr(leader.user)


@pytest.mark.django_db
def test_leader_group_takes_members_and_new_trait_marks_new_top_leader(client):
    org = OrganisationFactory()
    new, old = LeaderFactory(organisation=org, new=True), LeaderFactory(organisation=org)
    group = LeaderGroupFactory(organisation=org, members=[new, old])
    assert set(group.members.all()) == {new, old}
    assert new.is_new_top_leader and not old.is_new_top_leader
    assert client.login(email=new.user.email, password="Toppleder-test-pass-1")


def test_unit_tests_run_celery_tasks_eagerly():
    from toppleder.celery import app

    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


@pytest.mark.integration
def test_integration_tests_keep_the_configured_celery_mode(settings):
    from toppleder.celery import app

    # With REDIS_URL (make test) tasks go through the broker; without it they stay eager.
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)


def test_each_test_starts_with_an_empty_cache():
    from django.core.cache import cache

    assert cache.get("harness-probe") is None
    cache.set("harness-probe", 1, 60)


def test_each_test_starts_with_an_empty_cache_again():
    test_each_test_starts_with_an_empty_cache()
