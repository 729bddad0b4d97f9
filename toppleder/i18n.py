"""Language choice: Norwegian bokmål unless the person chose otherwise.

Django's LocaleMiddleware falls back to the browser's Accept-Language header, so a leader
with an English-language browser would get English pages. The portal's rule is different:
bokmål is the default of every page; English is there for those who pick it with the
language switcher (which sets the language cookie).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
