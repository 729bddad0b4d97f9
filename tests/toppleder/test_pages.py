"""Error and account pages: Norwegian, in the Punkt layout, never a stack trace."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.factories import TEST_PASSWORD

NB = {"HTTP_ACCEPT_LANGUAGE": "nb"}


def assert_in_layout(html: str):
    assert '<html lang="nb">' in html
    assert 'id="main"' in html and "tl-skip-link" in html
    assert "Traceback" not in html
    assert html.count("<h1") == 1


@pytest.mark.django_db
def test_unknown_url_gives_norwegian_404_page_in_the_layout(client):
    response = client.get("/finnes-ikke/", **NB)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Vi fant ikke siden" in html
    assert "Gå til forsiden" in html
    assert_in_layout(html)


@pytest.mark.django_db
def test_404_for_signed_in_leader_keeps_navigation(client, leader):
    client.force_login(leader.user)
    response = client.get("/finnes-ikke/", **NB)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Mitt program" in html  # the main menu
    assert "Logg ut" in html


@pytest.mark.django_db
def test_permission_denied_gives_norwegian_403_page(rf_with_user):
    response = defaults.permission_denied(rf_with_user, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "Du har ikke tilgang til denne siden" in html
    assert "Traceback" not in html


def test_server_error_page_renders_without_request_context():
    request = RequestFactory().get("/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Noe gikk galt hos oss" in html
    assert "Traceback" not in html and 'id="main"' in html


@pytest.mark.django_db
def test_post_without_csrf_token_gives_norwegian_expired_form_page(leader):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": leader.user.email, "password": TEST_PASSWORD}, **NB)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Skjemaet er utløpt" in html
    assert "Ingenting ble lagret" in html
    assert_in_layout(html)


@pytest.mark.django_db
def test_login_page_is_norwegian_and_offers_password_reset(client):
    response = client.get("/accounts/login/", **NB)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logg inn i Toppleder" in html
    assert "/accounts/password/reset/" in html
    assert "/accounts/signup/" not in html  # no open registration
    assert 'class="pkt-input' in html and "pkt-btn pkt-btn--primary" in html
    assert_in_layout(html)


@pytest.mark.django_db
def test_login_with_wrong_password_shows_norwegian_error_and_stays_signed_out(client, leader):
    response = client.post("/accounts/login/", {"login": leader.user.email, "password": "feil-passord"}, **NB)
    assert response.status_code == 200
    html = response.content.decode()
    assert "E-postadressen og/eller passordet du oppgav er feil." in html
    assert 'id="tl-error-summary"' in html and "<title>Feil: " in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_with_right_password_reaches_the_dashboard(client, leader):
    response = client.post("/accounts/login/", {"login": leader.user.email, "password": TEST_PASSWORD}, **NB)
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/", **NB).content.decode()
    assert "<h1>Mitt program</h1>" in html


@pytest.mark.django_db
def test_invalid_password_reset_key_shows_a_clear_expired_link_page(client, leader):
    response = client.get("/accounts/password/reset/key/1-ugyldig-nokkel/", follow=True, **NB)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lenken er utløpt" in html
    assert "Be om en ny lenke" in html
    assert 'name="password1"' not in html  # no form to set a password with a bad key
    assert_in_layout(html)


@pytest.mark.django_db
def test_password_reset_request_confirms_without_revealing_whether_the_address_exists(client):
    response = client.post("/accounts/password/reset/", {"email": "ukjent@toppleder.example"}, follow=True, **NB)
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.content.decode()


@pytest.mark.django_db
def test_accessibility_statement_and_privacy_page_are_real_norwegian_pages(client):
    html = client.get("/accessibility/", **NB).content.decode()
    assert "Tilgjengelighetserklæring" in html and "WCAG 2.1" in html and "axe-core" in html
    assert "toppleder@oslo.kommune.example" in html
    assert_in_layout(html)
    html = client.get("/privacy/", **NB).content.decode()
    assert "Personvern" in html and "anonym" in html and "Hvor lenge" in html
    assert_in_layout(html)


@pytest.mark.django_db
def test_pages_switch_to_english_with_the_language_switcher(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accessibility/"})
    assert response.status_code == 302
    html = client.get("/accessibility/").content.decode()
    assert '<html lang="en">' in html and "Accessibility statement for Toppleder" in html


@pytest.mark.django_db
def test_dashboard_shows_role_navigation_and_panels(client, leader, hr_user, admin_user):
    client.force_login(hr_user)
    html = client.get("/", **NB).content.decode()
    assert "<h1>Oversikt</h1>" in html and "Programmet i tall" in html
    assert "Revisjonslogg" not in html  # administrators only
    client.force_login(admin_user)
    html = client.get("/", **NB).content.decode()
    assert "Administrasjon" in html and "/admin/" in html
    client.force_login(leader.user)
    html = client.get("/", **NB).content.decode()
    assert "Min profil" in html and str(leader.organisation) in html
    assert "Programmet i tall" not in html


@pytest.mark.django_db
def test_hr_overview_query_count_does_not_grow_with_data(client, hr_user, django_assert_max_num_queries):
    from tests.factories import LeaderFactory, LeaderGroupFactory

    client.force_login(hr_user)
    client.get("/")
    LeaderFactory()  # a change, so the panels are built again (not read from the cache) both times
    with django_assert_max_num_queries(40) as small:
        client.get("/")
    LeaderFactory.create_batch(30)
    LeaderGroupFactory.create_batch(5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_crispy_punkt_pack_wires_errors_and_help_text(rf):
    from django import forms
    from django.template import Context, Template

    class F(forms.Form):
        name = forms.CharField(label="Name", help_text="As in the phone book")
        choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

        def clean(self):
            raise forms.ValidationError("Something is off")

    form = F({"name": ""})
    form.is_valid()
    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))
    assert 'class="pkt-alert pkt-alert--error tl-form-errors"' in html  # announced by the summary, not here
    assert 'aria-describedby="id_name_helptext id_name_error"' in html and 'aria-invalid="true"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html
    assert "<legend" in html and 'type="radio"' in html
    assert 'label for="id_name" class="pkt-inputwrapper__label"' in html


@pytest.fixture
def rf_with_user(rf, leader):
    request = rf.get("/noe/")
    request.user = leader.user
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_password_reset_email_is_norwegian_and_links_to_a_working_form(client, leader, mailoutbox):
    client.post("/accounts/password/reset/", {"email": leader.user.email}, **NB)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject.endswith("Velg nytt passord for Toppleder")
    assert mail.body.startswith("Hei,")
    link = next(line for line in mail.body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    html = client.get("/" + path, follow=True, **NB).content.decode()
    assert "Velg nytt passord" in html and 'name="password1"' in html


@pytest.mark.django_db
def test_pages_are_norwegian_even_for_an_english_browser(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nb">' in html and "Logg inn i Toppleder" in html


@pytest.mark.django_db
def test_switching_language_is_kept_on_the_account_for_e_mails(client):
    from django.utils import translation

    from tests.factories import LeaderFactory

    leader = LeaderFactory()
    client.force_login(leader.user)
    with translation.override("nb"):  # the request activates English; don't leak it to other tests
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert response.status_code == 302
        leader.user.refresh_from_db()
        assert leader.user.language == "en"
        assert 'lang="en"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_error_summary_lists_every_error_with_a_link_to_its_field(rf):
    """The summary at the top of main comes from the forms in the template context: one link
    per field error (a radio group links to its first radio), non-field errors as text."""
    from django import forms
    from django.contrib.auth.models import AnonymousUser
    from django.template import loader

    class F(forms.Form):
        name = forms.CharField(label="Navn")
        choice = forms.ChoiceField(label="Valg", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

        def clean(self):
            raise forms.ValidationError("Noe stemmer ikke")

    form = F({"name": ""})
    form.is_valid()
    request = rf.get("/")
    request.user = AnonymousUser()
    html = loader.render_to_string("toppleder/preferences.html", {"form": form}, request=request)
    assert "<title>Feil: " in html
    summary = html[html.index('id="tl-error-summary"') : html.index("</ul>", html.index('id="tl-error-summary"'))]
    assert "Skjemaet har 3 feil" in summary
    assert 'href="#id_name"' in summary and 'href="#id_choice_0"' in summary
    assert "Noe stemmer ikke" in summary
    assert 'id="id_choice_0"' in html  # the link's target exists

    untouched = loader.render_to_string("toppleder/preferences.html", {"form": F()}, request=request)
    assert "tl-error-summary" not in untouched and "<title>Feil" not in untouched
