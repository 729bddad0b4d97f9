"""The Django admin speaks Norwegian to administrators and their screen readers: the admin and
auth strings Django leaves untranslated come from the project's catalogue
(toppleder/third_party_strings.py, locale/nb/parts/admin.po)."""

import pytest
from django.utils import translation

from toppleder import third_party_strings


def test_every_listed_admin_string_has_norwegian():
    with translation.override("nb"):
        for msgid in third_party_strings.DJANGO_ADMIN + third_party_strings.DJANGO_AUTH:
            assert translation.gettext(msgid) != msgid, msgid


@pytest.mark.django_db
def test_admin_pages_name_their_links_in_norwegian(client, settings):
    from tests.factories import AdminUserFactory, OrganisationFactory

    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(AdminUserFactory())
    OrganisationFactory(name="Bydel Alna")
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert 'lang="nb"' in index
    assert "Model name" not in index and "Add link" not in index and "Toggle theme" not in index
    assert "Modellnavn" in index and "Bytt fargetema" in index
    changelist = client.get("/admin/toppleder/organisation/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "Select all objects on this page" not in changelist
    assert "Velg alle objektene på denne siden for en handling" in changelist
    assert "Velg dette objektet for en handling – Bydel Alna" in changelist
