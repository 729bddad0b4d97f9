"""Enrolment management, CSV import and exports (HR only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.models import ProgrammeEnrolment
from tests.factories import LeaderFactory, LeaderGroupFactory, OrganisationFactory
from tests.programmes.factories import EnrolmentFactory, ProgrammeFactory, RegistrationFactory, enrolled_leader
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login
from toppleder.models import Leader

pytestmark = pytest.mark.django_db


def url(name, programme, *args):
    return reverse(f"programmes:{name}", args=[programme.pk, *args])


def active(programme):
    return set(ProgrammeEnrolment.objects.active().filter(programme=programme).values_list("leader_id", flat=True))


# --- list and search ---


def test_hr_finds_leaders_to_enrol_and_sees_who_is_enrolled(hr_client, programme, me):
    LeaderFactory(user__name="Åse Søkbar")
    r = hr_client.get(url("enrolment_list", programme) + "?find=Søkbar")
    assert r.status_code == 200
    assert [le.name for le in r.context["found"]] == ["Åse Søkbar"]
    assert [e["leader_id"] for e in r.context["page"].object_list] == [me.pk]


def test_enrolment_list_search_filters(hr_client, programme):
    enrolled_leader(programme, user__name="Kari Finnes")
    enrolled_leader(programme, user__name="Ola Annen")
    r = hr_client.get(url("enrolment_list", programme) + "?q=Finnes")
    assert [e["name"] for e in r.context["page"].object_list] == ["Kari Finnes"]


def test_enrolment_list_shows_each_row_with_its_action(hr_client, programme):
    org = OrganisationFactory(name="Etat Rad", sector__name="Sektor Rad")
    joined = LeaderFactory(user__name="Anne Gruppe", user__email="anne@example.no", organisation=org)
    group = LeaderGroupFactory(organisation=org, name="Ledergruppe økonomi", members=[joined])
    hr_client.post(url("enrolment_add_group", programme), {"group": group.pk})
    gone = enrolled_leader(programme, user__name="Bjørn Borte")
    withdrawn = ProgrammeEnrolment.objects.get(programme=programme, leader=gone)
    ProgrammeEnrolment.objects.filter(pk=withdrawn.pk).update(status=ProgrammeEnrolment.Status.WITHDRAWN)
    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=joined)
    html = hr_client.get(url("enrolment_list", programme)).content.decode()
    row = html[html.index("Anne Gruppe") :].split("</tr>")[0]
    assert "anne@example.no" in row and "Etat Rad" in row and "Sektor Rad" in row and "Ledergruppe økonomi" in row
    assert f'href="{url("enrolment_withdraw", programme, enrolment.pk)}"' in row
    row = html[html.index("Bjørn Borte") :].split("</tr>")[0]
    assert f'action="{url("enrolment_add", programme)}"' in row and f'value="{gone.pk}"' in row
    assert "enrolment_withdraw" not in row and "/withdraw/" not in row
    # The group pick list names the organisation where the group's name does not.
    assert f'<option value="{group.pk}">Ledergruppe økonomi (Etat Rad)</option>' in html
    assert f'<option value="{org.pk}">Etat Rad</option>' in html


def test_enrolment_list_is_hr_only(me_client, client, programme):
    assert me_client.get(url("enrolment_list", programme)).status_code == 403
    client.logout()
    assert client.get(url("enrolment_list", programme)).status_code == 302


def test_enrolment_list_refuses_post(hr_client, programme):
    assert hr_client.post(url("enrolment_list", programme)).status_code == 405


# --- enrol one ---


def test_hr_enrols_one_leader(hr_client, programme):
    leader = LeaderFactory()
    r = hr_client.post(url("enrolment_add", programme), {"leader": leader.pk})
    assert r.status_code == 302
    assert leader.pk in active(programme)


def test_enrol_one_without_a_leader_changes_nothing(hr_client, programme):
    before = active(programme)
    r = hr_client.post(url("enrolment_add", programme), {"leader": "nope"}, follow=True)
    assert active(programme) == before
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_enrol_ineligible_leader_shows_error(hr_client):
    programme = ProgrammeFactory(eligible_levels=[1])
    leader = LeaderFactory(level=Leader.Level.FIRST_LINE)
    r = hr_client.post(url("enrolment_add", programme), {"leader": leader.pk}, follow=True)
    assert leader.pk not in active(programme)
    assert any(m.level_tag == "error" for m in r.context["messages"])


def test_enrol_one_is_post_only_and_hr_only(hr_client, client, me, programme):
    leader = LeaderFactory()
    assert hr_client.get(url("enrolment_add", programme)).status_code == 405
    assert login(client, me.user).post(url("enrolment_add", programme), {"leader": leader.pk}).status_code == 403
    assert leader.pk not in active(programme)


# --- groups and organisations ---


def test_hr_enrols_a_leader_group(hr_client, programme):
    members = [LeaderFactory(), LeaderFactory()]
    group = LeaderGroupFactory(members=members)
    r = hr_client.post(url("enrolment_add_group", programme), {"group": group.pk})
    assert r.status_code == 302
    assert {m.pk for m in members} <= active(programme)
    assert ProgrammeEnrolment.objects.filter(programme=programme, via_group=group).count() == 2


def test_enrol_group_bad_input_shows_form(hr_client, programme):
    r = hr_client.post(url("enrolment_add_group", programme), {"group": "999999"})
    assert r.status_code == 400
    assert r.context["group_form"].errors


def test_hr_enrols_top_leader_groups_of_organisations(hr_client, programme):
    org = OrganisationFactory()
    a, b = LeaderFactory(organisation=org), LeaderFactory(organisation=org)
    LeaderGroupFactory(organisation=org, members=[a, b])
    LeaderGroupFactory(
        organisation=org, name="Ikke toppledergruppe", is_top_leader_group=False, members=[LeaderFactory()]
    )
    r = hr_client.post(url("enrolment_add_organisations", programme), {"organisations": [org.pk]})
    assert r.status_code == 302
    assert active(programme) == {a.pk, b.pk}


def test_enrol_organisations_without_choice_shows_form(hr_client, programme):
    r = hr_client.post(url("enrolment_add_organisations", programme), {})
    assert r.status_code == 400 and r.context["org_form"].errors["organisations"]


def test_enrol_groups_is_hr_only(me_client, programme):
    group = LeaderGroupFactory(members=[LeaderFactory()])
    assert me_client.post(url("enrolment_add_group", programme), {"group": group.pk}).status_code == 403
    assert me_client.post(url("enrolment_add_organisations", programme), {"organisations": [1]}).status_code == 403


# --- withdraw ---


def test_hr_withdraws_a_leader_after_seeing_what_is_cancelled(hr_client, programme, me, session):
    reg = RegistrationFactory(session=session, leader=me)
    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=me)
    page = hr_client.get(url("enrolment_withdraw", programme, enrolment.pk))
    html = page.content.decode()
    assert f"Plassen på «{session.title}» avbestilles" in html
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"  # the GET changed nothing
    r = hr_client.post(
        url("enrolment_withdraw", programme, enrolment.pk), {"confirmation": page.context["confirmation"]}
    )
    assert r.status_code == 302
    enrolment.refresh_from_db()
    reg.refresh_from_db()
    assert enrolment.status == "withdrawn"
    assert reg.status == "cancelled"


def test_withdraw_without_a_current_confirmation_changes_nothing(hr_client, programme, me, session):
    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=me)
    token = hr_client.get(url("enrolment_withdraw", programme, enrolment.pk)).context["confirmation"]
    RegistrationFactory(session=session, leader=me)  # a new seat the page did not mention
    for data in ({}, {"confirmation": token}):
        hr_client.post(url("enrolment_withdraw", programme, enrolment.pk), data)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"


def test_withdraw_enrolment_of_another_programme_is_404(hr_client, programme):
    foreign = EnrolmentFactory(programme=ProgrammeFactory())
    assert hr_client.get(url("enrolment_withdraw", programme, foreign.pk)).status_code == 404
    assert hr_client.post(url("enrolment_withdraw", programme, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "enrolled"


def test_withdraw_is_hr_only(hr_client, client, programme, me):
    enrolment = ProgrammeEnrolment.objects.get(programme=programme, leader=me)
    token = hr_client.get(url("enrolment_withdraw", programme, enrolment.pk)).context["confirmation"]
    leader = login(client, me.user)
    assert leader.get(url("enrolment_withdraw", programme, enrolment.pk)).status_code == 403
    assert leader.post(url("enrolment_withdraw", programme, enrolment.pk), {"confirmation": token}).status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"


# --- CSV import ---

GOOD_CSV = (
    "name,email,organisation,title,level,top_leader_since\nNina Ny,nina@oslo.example,{org},Direktør,1,2021-01-05\n"
)


def csv_file(text, name="ledere.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_import_page_renders(hr_client, programme):
    r = hr_client.get(url("leaders_import", programme))
    assert r.status_code == 200 and "form" in r.context


def test_import_creates_and_enrols_and_reimport_changes_nothing(hr_client, programme):
    org = OrganisationFactory(name="Bydel Frogner")
    r = hr_client.post(url("leaders_import", programme), {"file": csv_file(GOOD_CSV.format(org=org.name))})
    assert r.status_code == 302 and r["Location"] == url("enrolment_list", programme)
    nina = Leader.objects.get(user__email="nina@oslo.example")
    assert nina.pk in active(programme)
    r = hr_client.post(url("leaders_import", programme), {"file": csv_file(GOOD_CSV.format(org=org.name))}, follow=True)
    assert Leader.objects.filter(user__email="nina@oslo.example").count() == 1
    assert any("1" in str(m) for m in r.context["messages"])


def test_import_with_bad_rows_lists_each_line_and_imports_nothing(hr_client, programme):
    org = OrganisationFactory(name="Bydel Sagene")
    text = (
        "name,email,organisation,title,level,top_leader_since\n"
        f"God Rad,god@oslo.example,{org.name},Direktør,1,\n"
        "Dårlig E-post,ikke-en-epost,Bydel Sagene,Direktør,1,\n"
        "Ukjent Org,ukjent@oslo.example,Finnes ikke,Direktør,1,\n"
    )
    r = hr_client.post(url("leaders_import", programme), {"file": csv_file(text)})
    assert r.status_code == 400
    lines = [line for line, _ in r.context["result"].errors]
    assert 3 in lines and 4 in lines
    assert not Leader.objects.filter(user__email="god@oslo.example").exists()
    assert "Finnes ikke" in r.content.decode()


def test_import_check_only_imports_nothing(hr_client, programme):
    org = OrganisationFactory(name="Bydel Alna")
    r = hr_client.post(
        url("leaders_import", programme), {"file": csv_file(GOOD_CSV.format(org=org.name)), "check": "1"}
    )
    assert r.status_code == 200 and r.context["result"].created == 1
    assert not Leader.objects.filter(user__email="nina@oslo.example").exists()


def test_import_rejects_a_non_csv_upload(hr_client, programme):
    r = hr_client.post(url("leaders_import", programme), {"file": csv_file("x", name="ledere.exe")})
    assert r.status_code == 400 and r.context["form"].errors["file"]


def test_import_is_hr_only(me_client, programme):
    org = OrganisationFactory(name="Bydel Alna")
    r = me_client.post(url("leaders_import", programme), {"file": csv_file(GOOD_CSV.format(org=org.name))})
    assert r.status_code == 403
    assert not Leader.objects.filter(user__email="nina@oslo.example").exists()


# --- exports ---


@pytest.mark.parametrize(
    "what,fmt,content_type",
    [
        ("enrolments", "csv", "text/csv"),
        ("registrations", "csv", "text/csv"),
        ("enrolments", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("registrations", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_hr_downloads_exports(hr_client, programme, me, session, what, fmt, content_type):
    RegistrationFactory(session=session, leader=me)
    r = hr_client.get(url("export", programme, what, fmt))
    assert r.status_code == 200
    assert r["Content-Type"].startswith(content_type)
    assert r["Content-Disposition"].startswith("attachment;")
    body = r.content
    if fmt == "csv":
        assert me.user.email in body.decode("utf-8-sig")
    else:
        assert body[:2] == b"PK"


def test_exports_are_hr_only(me_client, client, programme):
    assert me_client.get(url("export", programme, "enrolments", "csv")).status_code == 403
    client.logout()
    assert client.get(url("export", programme, "enrolments", "csv")).status_code == 302


def test_export_refuses_post(hr_client, programme):
    assert hr_client.post(url("export", programme, "enrolments", "csv")).status_code == 405
