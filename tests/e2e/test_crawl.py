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

from tests.e2e.conftest import DEMO_PASSWORD, format_violations, login, new_context, run_axe

MAX_PAGES_PER_ROLE = 60
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


def check_page(page, response, url: str, expect_status: int | None = None) -> list[str]:
    problems = []
    status = response.status if response else None
    if expect_status is not None:
        if status != expect_status:
            problems.append(f"status {status}, expected {expect_status}")
    elif status is None or status >= 400:
        problems.append(f"status {status}")
    if not (response and "text/html" in (response.headers.get("content-type") or "")):
        return problems
    h1_count = page.locator("h1").count()
    if h1_count != 1:
        problems.append(f"{h1_count} <h1> elements (expected exactly one)")
    if page.locator("html[lang]").count() != 1:
        problems.append("no lang attribute on <html>")
    violations = run_axe(page)
    if violations:
        problems.append("axe-core WCAG 2.1 A/AA violations:\n" + format_violations(violations))
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
        if VERBOSE:
            print(f"  {time.monotonic() - t0:5.2f}s {url}")
    return failures, visited, checked


def _reverse_or_none(name: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


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
    if failures:
        all_failures.append(report("anonymous", failures))
    summary.append(f"anonymous: {len(visited) + 1} pages")
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

    print(f"\ncrawl: {'; '.join(summary)} in {time.monotonic() - started:.0f} s")
    assert not all_failures, "\n\n".join(all_failures)
