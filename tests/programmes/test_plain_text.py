"""Subjects and text/plain parts are plain text: nothing in them is HTML-escaped."""

import pytest
from django.core import mail as django_mail

from programmes import services
from tests.programmes.factories import ProgrammeFactory, SessionFactory, enrolled_leader

TITLE = """Tillit & styring: <ledere> "sammen" i 'Oslo'"""


@pytest.fixture
def programme(db):
    return ProgrammeFactory(name="Ledere & samarbeid")


def _html(message):
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_title_full_of_markup_characters_is_plain_in_subject_and_text_but_escaped_in_html(
    programme, django_capture_on_commit_callbacks
):
    session = SessionFactory(programme=programme, title=TITLE, place='Rådhuset <"A&B">')
    leader = enrolled_leader(programme, user__name="D'Arcy Dahl")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(session=session, leader=leader)
    (sent,) = django_mail.outbox
    assert TITLE in sent.subject
    assert "&amp;" not in sent.subject and "&quot;" not in sent.subject and "&#x27;" not in sent.subject
    assert TITLE in sent.body
    assert 'Rådhuset <"A&B">' in sent.body
    assert "Hei D'Arcy," in sent.body
    assert "&amp;" not in sent.body and "&lt;" not in sent.body and "&#x27;" not in sent.body
    html = _html(sent)
    assert TITLE not in html
    assert "Tillit &amp; styring: &lt;ledere&gt; &quot;sammen&quot; i &#x27;Oslo&#x27;" in html
    assert "<ledere>" not in html
