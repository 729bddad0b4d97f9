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
