"""Markup checks on every programme page, without a browser: one h1, unique ids, a label
for every form control, a caption on every table and th scope on every header cell.
(The browser crawl adds axe-core on top of this.)
"""

from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import Measure, Session
from tests.factories import LeaderFactory
from tests.programmes.factories import CommitmentFactory, RegistrationFactory, SessionFactory, enrolled_leader
from tests.programmes.web import *  # noqa: F403
from tests.programmes.web import login

pytestmark = pytest.mark.django_db


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.controls = [], set(), []
        self.h1 = 0
        self.tables = self.captions = 0
        self.th_without_scope = 0
        self._label_depth = 0
        self.wrapped = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "h1":
            self.h1 += 1
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        if tag == "label":
            self._label_depth += 1
            if "for" in a:
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(a.get("id"))
            if self._label_depth:
                self.wrapped.add(a.get("id"))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1


def check(html):
    m = Markup()
    m.feed(html)
    problems = []
    if m.h1 != 1:
        problems.append(f"{m.h1} h1")
    dupes = [i for i, n in Counter(m.ids).items() if n > 1]
    if dupes:
        problems.append(f"duplicate ids {dupes}")
    unlabelled = [c for c in m.controls if c is None or (c not in m.label_for and c not in m.wrapped)]
    if unlabelled:
        problems.append(f"controls without label {unlabelled}")
    if m.tables != m.captions:
        problems.append(f"{m.tables} tables, {m.captions} captions")
    if m.th_without_scope:
        problems.append(f"{m.th_without_scope} th without scope")
    return problems


@pytest.fixture
def data(programme, session, me):
    other = enrolled_leader(programme)
    full = SessionFactory(programme=programme, capacity=1)
    RegistrationFactory(session=full, leader=other)
    RegistrationFactory(session=full, leader=me, status="waitlisted", waitlist_position=1)
    RegistrationFactory(session=full, leader=enrolled_leader(programme), status="waitlisted", waitlist_position=2)
    past = SessionFactory(
        programme=programme, starts_at=timezone.now() - timedelta(days=3), status=Session.Status.COMPLETED
    )
    RegistrationFactory(session=past, leader=me, attendance="attended")
    RegistrationFactory(session=past, leader=other)
    CommitmentFactory(programme=programme, session=past, parties=[me, other])
    full.contributors.create(name="Ada", kind="academia")
    full.materials.create(title="Lenke", url="https://x.example/")
    full.measures.add(Measure.objects.first())
    LeaderFactory(user__name="Kari Søk")
    return {"full": full, "past": past}


# "/" is left out: other apps add panels there (the browser crawl checks it as a whole).
def hr_pages(p, d):
    return [
        reverse("programmes:programme_list"),
        reverse("programmes:programme_create"),
        reverse("programmes:programme_detail", args=[p.pk]),
        reverse("programmes:programme_edit", args=[p.pk]),
        reverse("programmes:enrolment_list", args=[p.pk]) + "?find=Kari",
        reverse("programmes:leaders_import", args=[p.pk]),
        reverse("programmes:session_create", args=[p.pk]),
        reverse("programmes:session_detail", args=[d["full"].pk]),
        reverse("programmes:session_detail", args=[d["past"].pk]),
        reverse("programmes:session_edit", args=[d["full"].pk]),
        reverse("programmes:measure_list"),
        reverse("programmes:measure_area", args=["competence_support"]),
    ]


def leader_pages(p, d):
    return [
        reverse("programmes:programme_list"),
        reverse("programmes:programme_detail", args=[p.pk]),
        reverse("programmes:session_detail", args=[d["full"].pk]),
        reverse("programmes:session_detail", args=[d["past"].pk]),
        reverse("programmes:calendar"),
        reverse("programmes:measure_list"),
        reverse("programmes:measure_area", args=["competence_support"]),
    ]


def test_hr_pages_are_well_formed(client, hr, programme, data):
    login(client, hr)
    bad = {}
    for url in hr_pages(programme, data):
        r = client.get(url)
        assert r.status_code == 200, url
        if problems := check(r.content.decode()):
            bad[url] = problems
    assert not bad


def test_leader_pages_are_well_formed(client, me, programme, data):
    login(client, me.user)
    bad = {}
    for url in leader_pages(programme, data):
        r = client.get(url)
        assert r.status_code == 200, url
        if problems := check(r.content.decode()):
            bad[url] = problems
    assert not bad


def test_own_dashboard_panels_are_well_formed(client, hr, me, programme, data):
    from django.template.loader import render_to_string

    from toppleder.dashboard import build_panels

    for user, role in ((me.user, "leader"), (hr, "hr")):
        request = login(client, user).get("/").wsgi_request
        for p in build_panels(role, request):
            if not p["template"].startswith("programmes/"):
                continue
            html = "<h1>x</h1>" + render_to_string(p["template"], {"panel": p["context"]}, request=request)
            assert not check(html), (p["template"], check(html))


def test_forms_shown_again_with_errors_are_well_formed(hr_client, data):
    full = data["full"]
    waiting = full.registrations.filter(status="waitlisted").first()
    responses = [
        hr_client.post(reverse("programmes:waitlist_move", args=[full.pk, waiting.pk]), {"new_position": 1}),
        hr_client.post(reverse("programmes:waitlist_favour_newcomers", args=[full.pk]), {}),
        hr_client.post(reverse("programmes:material_add", args=[full.pk]), {}),
        hr_client.post(reverse("programmes:commitment_create", args=[full.pk]), {}),
    ]
    for r in responses:
        assert r.status_code == 400
        assert not check(r.content.decode())
