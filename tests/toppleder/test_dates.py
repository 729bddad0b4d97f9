"""One way to write dates and times: toppleder/dates.py, the `when` filter, the format modules,
and the Norwegian download names built from them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from toppleder import dates

OSLO = ZoneInfo("Europe/Oslo")
STARTS = dt.datetime(2026, 12, 3, 13, 0, tzinfo=OSLO)
ENDS = dt.datetime(2026, 12, 3, 16, 0, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "nb",
            {
                "span": "torsdag 3. desember 2026 kl. 13.00–16.00",
                "short": "19. okt. 2026",
                "date": "19. oktober 2026",
                "time": "kl. 13.00",
                "datetime": "3. desember 2026 kl. 13.00",
                "bare": "3. desember 2026 kl. 13.00",
            },
        ),
        (
            "en",
            {
                "span": "Thursday 3 December 2026 at 13:00–16:00",
                "short": "19 Oct 2026",
                "date": "19 October 2026",
                "time": "at 13:00",
                "datetime": "3 December 2026 at 13:00",
                "bare": "3 December 2026, 13:00",
            },
        ),
    ],
)
def test_every_style_in_norwegian_and_english(language, expected):
    with translation.override(language):
        assert dates.span(STARTS, ENDS) == expected["span"]
        assert dates.fmt(dt.date(2026, 10, 19), "short") == expected["short"]
        assert dates.fmt(dt.date(2026, 10, 19)) == expected["date"]
        assert dates.fmt(STARTS, "time") == expected["time"]
        assert dates.fmt(STARTS, "datetime") == expected["datetime"]
        # A datetime written into a template without a filter uses the format module too.
        assert Template("{{ t }}").render(Context({"t": STARTS})) == expected["bare"]


def test_times_are_oslo_times_whatever_the_stored_zone():
    utc = STARTS.astimezone(dt.UTC)
    with translation.override("nb"):
        assert dates.fmt(utc, "time") == "kl. 13.00"


def test_when_filter_formats_a_session_as_its_span_and_a_date_in_a_style():
    class Session:
        starts_at, ends_at = STARTS, ENDS

    with translation.override("nb"):
        html = Template('{{ s|when }} / {{ d|when:"short" }} / {{ none|when:"short"|default:"–" }}').render(
            Context({"s": Session(), "d": dt.date(2026, 10, 19), "none": None})
        )
    assert html == "torsdag 3. desember 2026 kl. 13.00–16.00 / 19. okt. 2026 / –"


def test_a_session_across_midnight_gives_both_dates():
    with translation.override("nb"):
        text = dates.span(STARTS, STARTS + dt.timedelta(hours=12))
    assert text == "torsdag 3. desember 2026 kl. 13.00 – fredag 4. desember 2026 kl. 01.00"


def test_download_names_transliterate_norwegian_letters():
    assert (
        dates.filename("fremdriftsrapport", "Lederløft Oslo", suffix=".pdf") == "fremdriftsrapport-lederloft-oslo.pdf"
    )
    assert dates.filename("Æ ø Å", "Bjørnebær på ÅS", suffix=".csv") == "ae-o-a-bjornebaer-pa-as.csv"


@pytest.mark.django_db
def test_progress_report_downloads_under_a_norwegian_name(client):
    from tests.factories import HRUserFactory
    from tests.programmes.factories import ProgrammeFactory

    programme = ProgrammeFactory(name="Lederløft Oslo")
    client.force_login(HRUserFactory())
    response = client.get(reverse("reports:programme_pdf", args=[programme.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fremdriftsrapport-lederloft-oslo.pdf"'
