"""HR imports organisations' own 10-FAKTOR factor averages: refused per line in Norwegian,
nothing imported on any error, never a unit under k."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import OrganisationFactorScore
from tests.factories import LeaderFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
HEADER = "virksomhet;år;faktor;snitt;antall\n"


def _post(client, text):
    upload = SimpleUploadedFile("10-faktor.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("surveys:factor_scores"), {"file": upload})


def test_hr_imports_factor_averages_and_reimporting_changes_nothing(hr_client):
    org = OrganisationFactory(name="Bydel Alna")
    text = HEADER + "Bydel Alna;2025;Rolleklarhet;4,2;37\nBydel Alna;2025;autonomy;3.9;37\n"
    r = _post(hr_client, text)
    assert r.status_code == 302
    rows = {s.factor: s for s in OrganisationFactorScore.objects.filter(organisation=org)}
    assert set(rows) == {"role_clarity", "autonomy"} and str(rows["role_clarity"].mean) == "4.20"
    _post(hr_client, text)
    assert OrganisationFactorScore.objects.count() == 2
    page = hr_client.get(reverse("surveys:factor_scores")).content.decode()
    assert "Bydel Alna" in page and "4,05" in page


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Bydel Ukjent;2025;Rolleklarhet;4,2;37", "ukjent virksomhet"),
        ("Bydel Alna;2025;Lønn;4,2;37", "ukjent faktor"),
        ("Bydel Alna;2025;Rolleklarhet;5,4;37", "fra 1 til 5"),
        ("Bydel Alna;2025;Rolleklarhet;4,2;4", "færre enn 5"),
        ("Bydel Alna;tjuefem;Rolleklarhet;4,2;37", "årstall"),
    ],
)
def test_a_bad_line_is_refused_in_norwegian_and_nothing_is_imported(hr_client, line, message):
    OrganisationFactorScore.objects.all().delete()
    OrganisationFactory(name="Bydel Alna")
    text = HEADER + "Bydel Alna;2025;Autonomi;3,9;37\n" + line + "\n"
    r = _post(hr_client, text)
    body = r.content.decode()
    assert r.status_code == 400 and "Linje 3" in body and message in body, body[body.find("Linje") - 200 :][:600]
    assert OrganisationFactorScore.objects.count() == 0


def test_a_line_twice_is_refused(hr_client):
    OrganisationFactory(name="Bydel Alna")
    r = _post(hr_client, HEADER + "Bydel Alna;2025;Autonomi;3,9;37\nBydel Alna;2025;autonomy;4,0;37\n")
    assert r.status_code == 400 and "tidligere linje" in r.content.decode()
    assert OrganisationFactorScore.objects.count() == 0


def test_only_hr_imports(client):
    OrganisationFactory(name="Bydel Alna")
    client.force_login(LeaderFactory().user)
    assert _post(client, HEADER + "Bydel Alna;2025;Autonomi;3,9;37\n").status_code == 403
    assert OrganisationFactorScore.objects.count() == 0
