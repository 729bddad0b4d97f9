"""The words of docs/ORDLISTE.md, held in the Norwegian catalogue and on the pages leaders see."""

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

CATALOGUE = settings.BASE_DIR / "locale" / "nb" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def entries():
    return [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete]


def _texts(entry) -> list[str]:
    return [entry.msgstr, *entry.msgstr_plural.values()]


def test_commitment_is_always_forpliktelse(entries):
    wrong = [
        e.msgid for e in entries if "commitment" in e.msgid.lower() and any("avtale" in t.lower() for t in _texts(e))
    ]
    assert wrong == []


def test_no_opptak_no_nytt_match_no_column_plural_brackets(entries):
    for bad in ("opptak", "nytt match", "Kolonne(r)", "kolonne(r)", "Glemt ditt", "er avmeldt", "(valgfritt)"):
        # "(optional)" itself is the one place the templates add "(valgfritt)"
        found = [e.msgid for e in entries if e.msgid != "(optional)" and any(bad in t for t in _texts(e))]
        assert found == [], f"{bad!r} in {found}"


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("Format:", "Format:"),
        ("Sessions attended", "Samlinger med oppmøte"),
        ("Organisations represented", "Representerte virksomheter"),
        ("Forgot your password?", "Glemt passordet?"),
        ("Your registration for “%(title)s” is cancelled.", "Du er meldt av «%(title)s»."),
    ],
)
def test_corrected_wordings(msgid, expected):
    with translation.override("nb"):
        assert translation.gettext(msgid) == expected


def test_seats_are_counted_as_plasser():
    with translation.override("nb"):
        text = translation.gettext("%(taken)s of %(capacity)s taken, %(left)s free") % {
            "taken": 3,
            "capacity": 8,
            "left": 5,
        }
    assert text == "3 av 8 plasser er tatt, 5 er ledige"


@pytest.mark.django_db
def test_leaders_do_not_see_the_internal_published_badge(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    from tests.factories import HRUserFactory
    from tests.programmes.factories import SessionFactory, enrolled_leader

    session = SessionFactory()
    leader = enrolled_leader(session.programme)
    client.force_login(leader.user)
    page = client.get(reverse("programmes:session_detail", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    assert page.status_code == 200 and "Publisert" not in page.content.decode()
    client.force_login(HRUserFactory())
    page = client.get(reverse("programmes:session_detail", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    assert "Publisert" in page.content.decode()
