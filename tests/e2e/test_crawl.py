"""Crawl every page each role can reach and hold it to the portal's quality bars.

For the anonymous visitor and each demo role (leader, HR, administrator, the two facilitators), signing in
through the real login form, the crawler follows every same-origin link (GET only) and
on each page checks: status < 400, zero axe-core WCAG 2.1 A/AA violations, exactly one
<h1>, and no horizontal scrolling at 320 CSS px (WCAG 1.4.10). Downloads (.pdf, .ics,
.csv, .xlsx, .json) are fetched once per URL shape and must answer 200. URLs that differ only
in numeric ids or tokens count once, so the crawl stays bounded (~60 pages per role).

New pages are covered automatically as soon as something links to them.
"""

import os
import re
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    format_htmlcs,
    format_violations,
    login,
    new_context,
    run_axe,
    run_htmlcs,
    run_vnu,
)

MAX_PAGES_PER_ROLE = 60
FORM_STATES = not os.environ.get("TOPPLEDER_CRAWL_NO_FORMS")  # also check each form's error state
DOWNLOAD_SUFFIXES = (".pdf", ".ics", ".csv", ".xlsx", ".json")
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/media/", "/i18n/", "/healthz")
ROLES = [
    ("leader", "leder001@toppleder.example"),
    ("hr", "hr@toppleder.example"),
    ("admin", "admin@toppleder.example"),
    ("facilitator", "fasilitator@toppleder.example"),
    ("external facilitator", "coach@ekstern.example"),
]
ANONYMOUS_START = ["/accounts/login/", "/accounts/password/reset/", "/accessibility/", "/privacy/"]
SHOTS = os.environ.get("TOPPLEDER_SHOTS_DIR")
VERBOSE = bool(
    os.environ.get("TOPPLEDER_CRAWL_VERBOSE")
)  # print every URL visited  # set to save screenshots of each role's front page


def url_key(url: str) -> str:
    """The shape of a URL: numeric ids and long tokens replaced, query values dropped."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=[/.]|$)", "/N", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{16,}(?=[/.]|$)", "/T", path)
    query = ",".join(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return f"{path}?{query}" if query else path


def should_follow(path: str) -> bool:
    if path.startswith(SKIP_PREFIXES):
        return False
    # The admin site is Django's own: check that its index opens, not every changelist.
    if path.startswith("/admin/") and path != "/admin/":
        return False
    return True


# The page's HTML as the server sent it, per checked page, for one vnu run at the end.
SOURCES: dict[str, str] = {}


def check_page(page, response, url: str, expect_status: int | None = None, label: str | None = None) -> list[str]:
    problems = []
    status = response.status if response else None
    if expect_status is not None:
        if status != expect_status:
            problems.append(f"status {status}, expected {expect_status}")
    elif status is None or status >= 400:
        problems.append(f"status {status}")
    if not (response and "text/html" in (response.headers.get("content-type") or "")):
        return problems
    if urlsplit(page.url).path.startswith("/admin/"):
        # static/js/admin-a11y.js finishes the admin's pages after its own scripts ran.
        page.wait_for_selector("html[data-a11y-ready]", state="attached", timeout=10_000)
    h1_count = page.locator("h1").count()
    if h1_count != 1:
        problems.append(f"{h1_count} <h1> elements (expected exactly one)")
    if page.locator("html[lang]").count() != 1:
        problems.append("no lang attribute on <html>")
    violations = run_axe(page)
    if violations:
        problems.append("axe-core WCAG 2.1 A/AA violations:\n" + format_violations(violations))
    sniffed = run_htmlcs(page)
    if sniffed:
        problems.append("HTML_CodeSniffer WCAG2AA errors:\n" + format_htmlcs(sniffed))
    try:
        SOURCES[label or url] = response.text()
    except PlaywrightError:
        pass  # a redirect's body is gone; the page it led to is checked under its own address
    page.set_viewport_size({"width": 320, "height": 800})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > 320:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 321 && !e.closest('.tl-table-wrap'))
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : ''))"""
        )
        problems.append(f"horizontal scrolling at 320 px: scrollWidth {scroll_width} (widest: {', '.join(wide)})")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


FORM_ERRORS_TRIED: set[str] = set()  # form actions whose error state was checked (once across roles)

CLEAR_AND_SUBMIT = """(form) => {
    for (const el of form.elements) {
        if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
        if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
        else if (el.tagName === 'SELECT') el.selectedIndex = -1;
        else el.value = '';
    }
    form.noValidate = true;
    form.requestSubmit();
}"""


def check_form_errors(page, url: str) -> dict[str, list[str]]:
    """Each form of the page (a form in main that saves something) submitted with every field
    emptied: the page that answers with an error summary is checked like any other. Once per
    form address across the crawl, so the run stays short; a form that accepts empty input
    (nothing is required) is left alone."""
    failures = {}
    actions = page.eval_on_selector_all(
        "main form.tl-form[method=post], main form.tl-answer__form",
        "forms => forms.map((f, i) => [i, new URL(f.getAttribute('action') || '', location.href).href])",
    )
    for index, action in actions:
        shape = url_key(action)
        if shape in FORM_ERRORS_TRIED:
            continue
        FORM_ERRORS_TRIED.add(shape)
        page.goto(url)
        form = page.locator("main form.tl-form[method=post], main form.tl-answer__form").nth(index)
        try:
            with page.expect_navigation(timeout=10_000) as nav:
                form.evaluate(CLEAR_AND_SUBMIT)
        except PlaywrightError:
            continue
        if page.locator("#tl-error-summary").count() == 0:
            continue  # accepted (nothing was required) or answered with a message elsewhere
        label = f"{url} [form errors: {urlsplit(action).path}]"
        problems = check_page(page, nav.value, label, expect_status=page_status(nav.value), label=label)
        if not page.evaluate("document.activeElement && document.activeElement.id === 'tl-error-summary'"):
            problems.append("the error summary does not have focus")
        if problems:
            failures[label] = problems
    return failures


def page_status(response) -> int | None:
    """A form with errors answers 200 or 400; either is right, anything else is checked as usual."""
    status = response.status if response else None
    return status if status in (200, 400) else None


def crawl(
    page,
    origin: str,
    start: list[str],
    role: str,
    checked_before: set[str] | None = None,
    downloads: set[str] | None = None,
) -> tuple[dict[str, list[str]], list[str], set[str]]:
    """Breadth-first over same-origin links; returns {url: problems}, the URLs visited and
    the URL shapes fully checked.

    `checked_before`: URL shapes another role already checked with the same templates; they
    are still visited (to find links) but only their status is checked, which keeps the run short.
    """
    checked_before = checked_before or set()
    downloads = set() if downloads is None else downloads  # shared across roles: PDFs are slow
    checked: set[str] = set()
    queue = deque(start)
    seen_keys: set[str] = set()
    failures: dict[str, list[str]] = {}
    visited: list[str] = []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        path = urlsplit(url).path
        key = url_key(url)
        if key in seen_keys or not should_follow(path):
            continue
        seen_keys.add(key)
        visited.append(url)
        t0 = time.monotonic()
        if path.endswith(DOWNLOAD_SUFFIXES):
            if key in downloads:
                continue  # the same kind of download (e.g. a PDF report) was fetched for an earlier role
            downloads.add(key)
            response = page.request.get(url)
            if response.status != 200:
                failures[url] = [f"download answered {response.status}"]
            if VERBOSE:
                print(f"  {time.monotonic() - t0:5.2f}s {url} (download)")
            continue
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                raise
            # A download without a telltale suffix (Content-Disposition: attachment).
            response = page.request.get(url)
            if response.status != 200:
                failures[url] = [f"download answered {response.status}"]
            continue
        if key in checked_before and key != "/":
            status = response.status if response else None
            problems = [] if status is not None and status < 400 else [f"status {status}"]
        else:
            problems = check_page(page, response, url)
            checked.add(key)
        if problems:
            failures[url] = problems
        if "/accounts/login/" in page.url and role != "anonymous":
            failures[url] = failures.get(url, []) + ["was sent to the login page (signed out?)"]
            break
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            href, _ = urldefrag(href)
            if href.startswith(origin) and url_key(href) not in seen_keys:
                queue.append(href[len(origin) :] or "/")
        if FORM_STATES and key not in checked_before:
            failures.update(check_form_errors(page, url))
        if VERBOSE:
            print(f"  {time.monotonic() - t0:5.2f}s {url}")
    return failures, visited, checked


def _reverse_or_none(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _email_action_pages(page) -> dict[str, list[str]]:
    from django.db import models
    from django.urls import reverse
    from django.utils import timezone

    from programmes import email_actions
    from programmes.models import Session
    from programmes.selectors import open_to
    from toppleder.models import Leader

    leader = Leader.objects.get(user__email="leder002@toppleder.example")
    session = (
        Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__gt=timezone.now())
        .filter(open_to(leader))  # not a course session reserved for another leader group
        .exclude(registrations__leader=leader)
        .filter(programme__enrolments__leader=leader)
        .order_by("starts_at")
        .first()
    )
    token = email_actions.make_token(
        email_actions.SIGN_UP, leader=leader, session=session, expires_at=session.starts_at
    )
    url = reverse("programmes:email_action", args=[email_actions.SIGN_UP, token])
    out = {url: check_page(page, page.goto(url), url)}
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    problems = [] if page.locator("h1").count() == 1 else ["no single <h1> after the click"]
    violations = run_axe(page)
    if violations:
        problems.append("axe-core WCAG 2.1 A/AA violations:\n" + format_violations(violations))
    out[f"{url} (after the click)"] = problems
    out[f"{url} (used)"] = check_page(page, page.goto(url), url, expect_status=410)
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    out[tampered] = check_page(page, page.goto(tampered), tampered, expect_status=400)
    # A participant who is not a leader (a union representative the demo invited to the autumn
    # conference and who has not answered): the same link, page and button.
    from programmes.models import GuestInvitation

    invitation = (
        GuestInvitation.objects.filter(
            participant__isnull=False,
            declined_at__isnull=True,
            session__status=Session.Status.PUBLISHED,
            session__starts_at__gt=timezone.now(),
        )
        .exclude(session__registrations__participant=models.F("participant"))
        .select_related("participant__user", "session")
        .first()
    )
    token = email_actions.make_token(
        email_actions.SIGN_UP,
        leader=invitation.participant,
        session=invitation.session,
        expires_at=invitation.session.starts_at,
    )
    url = reverse("programmes:email_action", args=[email_actions.SIGN_UP, token])
    out[f"{url} (guest)"] = check_page(page, page.goto(url), url)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    out[f"{url} (guest, after the click)"] = [] if page.locator("h1").count() == 1 else ["no single <h1>"]
    # The guest's own page about the session (their e-mails' "See the session"): now with a
    # seat and the button to give it up.
    guest_url = email_actions.guest_page_link(invitation.participant, invitation.session)[0]
    guest_path = urlsplit(guest_url).path
    out[f"{guest_path} (guest page)"] = check_page(page, page.goto(guest_path), guest_path)
    return out


def admin_pages() -> list[str]:
    """Every page of the Django admin an administrator works in: the index, each app's index,
    and for every registered model its changelist, its add page and the change page of one row."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    urls, apps = ["/admin/"], []
    for model in sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)):
        opts = model._meta
        if opts.app_label not in apps:
            apps.append(opts.app_label)
            urls.append(reverse("admin:app_list", kwargs={"app_label": opts.app_label}))
        for name in ("changelist", "add"):
            try:
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}"))
            except NoReverseMatch:
                pass
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    return urls


def crawl_admin(page) -> tuple[dict[str, list[str]], int]:
    failures, checked = {}, 0
    for url in admin_pages():
        response = page.goto(url)
        if response is not None and response.status == 403 and url.endswith("/add/"):
            continue  # a model nobody may add to by hand (the audit log): no such page
        checked += 1
        problems = check_page(page, response, url)
        if problems:
            failures[url] = problems
    return failures, checked


def state_pages(role: str) -> list[tuple[str, str]]:
    """Pages in states the link crawl (one page per address shape) may not meet: a full
    session with its waiting list, seen by the leader waiting on it and by HR."""
    from django.urls import reverse

    from programmes.models import Registration, Session

    full = (
        Session.objects.filter(registrations__status=Registration.Status.WAITLISTED)
        .order_by("starts_at")
        .distinct()
        .first()
    )
    if role in ("facilitator", "external facilitator"):
        return _group_survey_pages(role)
    if full is None or role not in ("leader", "hr"):
        return []
    pages = [(f"{role}: full session {full.pk}", reverse("programmes:session_detail", args=[full.pk]))]
    return pages + _programme_shape_pages(role)


def _group_survey_pages(role: str) -> list[tuple[str, str]]:
    """A facilitator's group with its own surveys (the crawl meets the address shape first on a
    group without any): the list, the later wave's factors with the action taken since, and
    the form for a new action."""
    from django.urls import reverse
    from django.utils import timezone

    from reflection_groups.models import ReflectionGroup
    from surveys.models import Survey

    groups = ReflectionGroup.objects.filter(facilitator__email=dict(ROLES)[role]).values("pk")
    survey = Survey.objects.filter(group_ref__in=groups, closes_at__lte=timezone.now()).order_by("-wave", "pk").first()
    if survey is None:
        return []
    group = survey.group_ref
    return [
        (f"{role}: group surveys", reverse("surveys:group_surveys", args=[group])),
        (f"{role}: group factors", reverse("surveys:group_survey_results", args=[group, survey.pk])),
        (f"{role}: group action", reverse("surveys:group_action_create", args=[group, survey.pk, "trust"])),
    ]


def _programme_shape_pages(role: str) -> list[tuple[str, str]]:
    """A course, a theme choice and an onboarding path, which the crawl's page budget may not
    reach by links: HR's views of each, and a course and an onboarding seen by their leader."""
    from django.urls import reverse

    from programmes.models import Course
    from reflection_groups.models import ThemeWindow
    from reflection_groups.selectors import new_top_leaders

    course = Course.objects.order_by("pk").first()
    window = ThemeWindow.objects.order_by("pk").first()
    newcomer = new_top_leaders().order_by("user__email").first()
    if role == "hr":
        pages = [("hr: courses form", reverse("programmes:courses_create", args=[course.programme_id]))]
        pages.append(("hr: course", reverse("programmes:course_detail", args=[course.pk])))
        pages.append(("hr: theme choice", reverse("reflection_groups:theme_window_detail", args=[window.pk])))
        pages.append(("hr: onboarding", reverse("reflection_groups:onboarding_detail", args=[newcomer.pk])))
        return pages
    return []


def report(role: str, failures: dict[str, list[str]]) -> str:
    out = [f"--- {role}: {len(failures)} page(s) with problems"]
    for url, problems in failures.items():
        out.append(f"{url}")
        out.extend(f"  - {p}" for p in problems)
    return "\n".join(out)


@pytest.mark.django_db(transaction=True)
def test_every_page_for_every_role_is_accessible_and_reflows(live_server, browser, staff_without_mfa):
    started = time.monotonic()
    call_command("seed_demo", size="small", password=DEMO_PASSWORD, verbosity=0)
    origin = live_server.url
    all_failures: list[str] = []
    summary = []

    # Anonymous: the public pages, and the 404 page for an unknown address.
    context = new_context(browser, origin)
    page = context.new_page()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.goto("/accounts/login/")
        page.screenshot(path=f"{SHOTS}/login.png", full_page=True)
    failures, visited, _ = crawl(page, origin, ANONYMOUS_START, "anonymous")
    response = page.goto("/finnes-ikke/")
    problems = check_page(page, response, "/finnes-ikke/", expect_status=404)
    if problems:
        failures["/finnes-ikke/"] = problems
    # One-click links from e-mails (nothing links to them): the page before the click, the
    # outcome after it, the same link used again, and a tampered one.
    for url, problems in _email_action_pages(page).items():
        if problems:
            failures[url] = problems
    if failures:
        all_failures.append(report("anonymous", failures))
    summary.append(f"anonymous: {len(visited) + 6} pages")
    context.close()

    hr_checked: set[str] = set()
    downloads: set[str] = set()
    for role, email in ROLES:
        context = new_context(browser, origin)
        page = context.new_page()
        login(page, email, DEMO_PASSWORD)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.goto("/")
            page.screenshot(path=f"{SHOTS}/dashboard-{role}.png", full_page=True)
        # Administrators see HR's pages plus the admin tools: what HR's crawl checked is only status-checked.
        failures, visited, checked = crawl(
            page, origin, ["/"], role, checked_before=hr_checked if role == "admin" else None, downloads=downloads
        )
        if role == "hr":
            hr_checked = checked
        if role == "admin":
            admin_failures, admin_checked = crawl_admin(page)
            failures.update(admin_failures)
            summary.append(f"admin site: {admin_checked} pages")
        for label, state_url in state_pages(role):
            problems = check_page(page, page.goto(state_url), state_url, label=label)
            if problems:
                failures[label] = problems
            summary.append(label)
        if role == "leader":
            # The 403 page, as a leader opening an HR page (only when that page exists).
            forbidden = _reverse_or_none("programmes:programme_create")
            if forbidden:
                problems = check_page(page, page.goto(forbidden), forbidden, expect_status=403)
                if problems:
                    failures[forbidden] = problems
        if failures:
            all_failures.append(report(role, failures))
        summary.append(f"{role}: {len(visited)} pages ({len(checked)} fully checked)")
        if VERBOSE:
            print(f"\n{role} visited:\n  " + "\n  ".join(visited))
        context.close()

    # The Nu HTML Checker over every checked page's HTML as sent, in one run.
    invalid = run_vnu(SOURCES)
    if invalid:
        all_failures.append(
            f"--- vnu: {len(invalid)} page(s) with HTML errors\n"
            + "\n".join(f"{url}\n" + "\n".join(f"  - {e}" for e in errors[:10]) for url, errors in invalid.items())
        )
    summary.append(f"vnu: {len(SOURCES)} pages")
    SOURCES.clear()
    print(f"\ncrawl: {'; '.join(summary)} in {time.monotonic() - started:.0f} s")
    assert not all_failures, "\n\n".join(all_failures)
