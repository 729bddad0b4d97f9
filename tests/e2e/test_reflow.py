"""Reflow at 320 CSS px (WCAG 1.4.10) where the crawl's page-width check is not enough: the
outbox's e-mail text (a <pre>) wraps instead of scrolling, and each survey radio stays clear of
its digit (6 px apart at least)."""

import pytest

from tests.e2e.conftest import login, new_context
from tests.factories import HRUserFactory
from tests.surveys.factories import InvitationFactory

PASSWORD = "Reflow-320-2026"
NARROW = {"width": 320, "height": 800}


def _overflowing(page) -> list[str]:
    """Elements in main wider than their box or reaching past the viewport (a scroll of their own counts)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')].filter(e =>
            e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible' && e.tagName !== 'TABLE'
            && !e.closest('.tl-table-wrap') || e.getBoundingClientRect().right > window.innerWidth + 1
        ).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
    )


@pytest.mark.django_db(transaction=True)
def test_outbox_message_text_wraps_at_320_px(live_server, browser, staff_without_mfa):
    from toppleder.models import OutboxMessage

    hr = HRUserFactory(email="hr-reflow@toppleder.example", password=PASSWORD)
    long_line = "https://toppleder.oslo.kommune.example/sessions/12/calendar.ics?" + "x" * 120
    message = OutboxMessage.objects.create(
        key="reflow:1",
        to_email=hr.email,
        kind=OutboxMessage.Kind.SESSION_INVITATION,
        subject="Invitasjon",
        body_text=f"Hei,\n\n{long_line}\n\n" + "LANG " * 40,
        ics="BEGIN:VCALENDAR\nDESCRIPTION:" + "torsdag 3. desember 2026 kl. 13.00–16.00 " * 4 + "\nEND:VCALENDAR",
    )
    context = new_context(browser, live_server.url)
    page = context.new_page()
    login(page, hr.email, PASSWORD)
    page.set_viewport_size(NARROW)
    page.goto(f"/outbox/{message.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert _overflowing(page) == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_survey_radio_circles_do_not_cover_their_digits_at_320_px(live_server, page):
    inv = InvitationFactory()
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server.url}/surveys/answer/{inv.token}/")
    overlaps = page.evaluate(
        """() => [...document.querySelectorAll('.tl-likert input[type=radio]')].filter(input => {
            const label = document.querySelector(`label[for="${input.id}"]`);
            const range = document.createRange();
            range.selectNodeContents(label.firstChild);
            const digit = range.getBoundingClientRect(), circle = input.getBoundingClientRect();
            return digit.left < circle.right + 6;  // at least 6 px between the circle and its digit
        }).map(i => i.id)"""
    )
    assert overlaps == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
