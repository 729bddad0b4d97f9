"""HR's guest page: the list of people invited by name, inviting one person (a leader's e-mail
attaches the leader, with a message), and a file refused per line in Norwegian."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.models import GuestInvitation, Participant
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    programme = ProgrammeFactory(name="Tilbud til toppledere")
    session = SessionFactory(programme=programme, kind="leader_conference", title="Byrådets ledersamling høst")
    return programme, session


def url(name, programme):
    return reverse(f"programmes:{name}", args=[programme.pk])


def test_hr_invites_a_politician_and_sees_them_in_the_list(client, hr_user, world):
    programme, session = world
    login(client, hr_user)
    response = client.post(
        url("guest_invite", programme),
        {
            "invite-target": f"session:{session.pk}",
            "invite-name": "Pia Politiker",
            "invite-email": "pia@byr.oslo.kommune.no",
            "invite-category": "politician",
            "invite-organisation": "Byrådet",
        },
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 invitasjon er registrert." in html
    assert "Pia Politiker" in html and "Politiker" in html and "Ikke svart" in html
    assert Participant.objects.get().user.email == "pia@byr.oslo.kommune.no"


def test_inviting_a_leader_by_e_mail_says_so_and_makes_no_participant(client, hr_user, world):
    programme, session = world
    leader = enrolled_leader(programme, user__email="leder@oslo.kommune.no", user__name="Lise Leder")
    login(client, hr_user)
    response = client.post(
        url("guest_invite", programme),
        {
            "invite-target": "kind:leader_conference",
            "invite-name": "Lise",
            "invite-email": "LEDER@oslo.kommune.no",
            "invite-category": "guest",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Lise Leder &lt;leder@oslo.kommune.no&gt; er leder i portalen: invitert som den lederen" in html
    assert not Participant.objects.exists()
    assert GuestInvitation.objects.get().leader == leader


def test_a_file_with_bad_lines_shows_each_line_and_invites_nobody(client, hr_user, world):
    programme, session = world
    login(client, hr_user)
    upload = SimpleUploadedFile(
        "gjester.csv",
        b"Navn;E-post;Kategori;Hovedsammenslutning\nTore;tore@fagforbundet.no;Tillitsvalgt;Fagforeningen X\n"
        b"Ola;ikke-epost;Gjest;\n",
        content_type="text/csv",
    )
    response = client.post(
        url("guests_import", programme),
        {"import-target": f"session:{session.pk}", "import-file": upload, "import-mode": "all"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ingenting ble endret" in html
    assert "ukjent hovedsammenslutning «Fagforeningen X»" in html
    assert "«ikke-epost» er ikke en gyldig e-postadresse" in html
    assert not GuestInvitation.objects.exists() and not Participant.objects.exists()


def test_a_good_file_invites_everyone(client, hr_user, world):
    programme, session = world
    login(client, hr_user)
    upload = SimpleUploadedFile(
        "gjester.csv", b"name,email,category,union\nTore,tore@fagforbundet.no,union representative,LO Kommune\n"
    )
    response = client.post(
        url("guests_import", programme),
        {"import-target": f"session:{session.pk}", "import-file": upload, "import-mode": "all"},
    )
    assert response.status_code == 302
    assert Participant.objects.get().union == "lo_kommune"


def test_the_page_is_for_hr_only_and_a_get_never_invites(client, hr_user, world):
    programme, session = world
    leader = enrolled_leader(programme)
    login(client, leader.user)
    assert client.get(url("guest_list", programme)).status_code == 403
    assert client.post(url("guest_invite", programme), {}).status_code == 403
    login(client, hr_user)
    assert client.get(url("guest_invite", programme)).status_code == 405
    assert not GuestInvitation.objects.exists()


def test_the_guest_list_counts_its_queries_once_whatever_the_number_of_guests(
    client, hr_user, world, django_assert_max_num_queries
):
    from programmes import services

    programme, session = world
    for i in range(15):
        services.guest_invite(
            programme=programme,
            session=session,
            name=f"Gjest {i}",
            email=f"gjest{i}@example.no",
            category="union_representative" if i % 2 else "guest",
            union="unio" if i % 2 else "",
            by=hr_user,
        )
    login(client, hr_user)
    with django_assert_max_num_queries(14):
        response = client.get(url("guest_list", programme))
    assert "15 invitasjoner ved navn" in response.content.decode()


def test_hr_invites_people_invited_before_from_the_list(client, hr_user, world):
    from programmes import services

    programme, session = world
    later = SessionFactory(programme=programme, kind="leader_conference", title="Vårsamlingen")
    services.guest_invite(
        programme=programme,
        session=session,
        name="Pia",
        email="pia@byr.oslo.kommune.no",
        category="politician",
        by=hr_user,
    )
    login(client, hr_user)
    assert "Personer invitert før" in client.get(url("guest_list", programme)).content.decode()
    response = client.post(
        url("guests_invite_known", programme),
        {"known-target": f"session:{later.pk}", "known-participants": [Participant.objects.get().pk]},
    )
    assert response.status_code == 302
    assert GuestInvitation.objects.filter(session=later).count() == 1


# --- "Kontroller filen" before importing: the file kept under a token -----------------------
def _check(client, programme, session, content: bytes, name="gjester.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(
        url("guests_import", programme),
        {"import-target": f"session:{session.pk}", "import-file": upload, "import-mode": "valid", "check": "1"},
    )


def test_checking_a_file_shows_new_guests_known_people_and_errors_per_line_and_writes_nothing(client, hr_user, world):
    from programmes import services

    programme, session = world
    enrolled_leader(programme, user__email="leder@oslo.kommune.no", user__name="Lise Leder")
    services.guest_invite(
        programme=programme, session=session, by=hr_user, name="Pia", email="pia@byr.no", category="politician"
    )
    login(client, hr_user)
    response = _check(
        client,
        programme,
        session,
        b"Navn;E-post;Kategori\nTore Ny;tore@lo.no;Gjest\nLise Leder;LEDER@oslo.kommune.no;Gjest\n"
        b"Pia;pia@byr.no;Politiker\nOla;ikke-epost;Gjest\n",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dette skjer hvis du importerer «gjester.csv»" in html
    assert "1 ny gjest" in html and "2 personer som er kjent fra før" in html
    assert "tore@lo.no" in html
    assert "leder i portalen: inviteres som den lederen" in html
    assert "invitert før: samme person" in html
    assert "«ikke-epost» er ikke en gyldig e-postadresse" in html
    assert 'name="confirm-token"' in html
    assert GuestInvitation.objects.count() == 1 and Participant.objects.count() == 1  # only Pia, from before


def test_importing_after_the_check_uses_the_kept_file_without_a_second_upload(client, hr_user, world):
    programme, session = world
    login(client, hr_user)
    html = _check(client, programme, session, b"name,email,category\nTore,tore@lo.no,guest\nBad,nope,guest\n").content
    token = html.decode().split('name="confirm-token" value="')[1].split('"')[0]

    response = client.post(url("guests_import", programme), {"confirm-token": token, "confirm-mode": "valid"})

    assert response.status_code == 302
    assert Participant.objects.get().user.email == "tore@lo.no"
    assert GuestInvitation.objects.get().session == session
    # The token is used up: the same import again is refused, and nothing more is written.
    again = client.post(url("guests_import", programme), {"confirm-token": token, "confirm-mode": "valid"}, follow=True)
    assert "Den kontrollerte filen er ikke lenger lagret" in again.content.decode()
    assert GuestInvitation.objects.count() == 1


def test_an_unknown_or_another_persons_token_is_refused_with_a_message(client, hr_user, world):
    from tests.factories import HRUserFactory

    programme, session = world
    login(client, hr_user)
    html = _check(client, programme, session, b"name,email,category\nTore,tore@lo.no,guest\n").content.decode()
    token = html.split('name="confirm-token" value="')[1].split('"')[0]
    for who, value in ((hr_user, "x" * 32), (HRUserFactory(), token)):
        login(client, who)
        response = client.post(url("guests_import", programme), {"confirm-token": value, "confirm-mode": "all"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "Den kontrollerte filen er ikke lenger lagret" in page
    assert not Participant.objects.exists()
