"""Strings of Django's admin and auth that have no Norwegian translation in Django itself.

Listed here (never called) so `manage.py i18n_sync` collects them into the project's catalogue,
which Django reads before its own: administrators and screen readers then hear Norwegian
("Lenke for å legge til", not "Add link"). Translations: locale/nb/parts/admin.po. Each msgid
must stay exactly as Django writes it (including the curly apostrophes).
"""

from django.utils.translation import gettext_noop as _

DJANGO_ADMIN = [
    _("Select this object for an action - {}"),
    _("Breadcrumbs"),
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    _("After you’ve created a user, you’ll be able to edit more user options."),
    _("Toggle theme (current theme: auto)"),
    _("Toggle theme (current theme: light)"),
    _("Toggle theme (current theme: dark)"),
    _("Changed:"),
    _("Sidebar"),
    _("Start typing to filter…"),
    _("Filter navigation items"),
    _("Select all objects on this page for an action"),
]
DJANGO_AUTH = [
    _("Reset password"),
    _("Raw passwords are not stored, so there is no way to see the user’s password."),
]
ALLAUTH = [
    _("Forgot your password?"),  # allauth says "Glemt ditt passord?"
]
