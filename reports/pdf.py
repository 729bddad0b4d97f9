"""The reports' WeasyPrint machinery: HTML → tagged PDF (PDF/UA-1) with Oslo Sans embedded.

WeasyPrint would happily fetch any URL a document names (file://, http://, ...). The
reports contain text people typed (programme names, commitments), so the fetcher here
serves ONLY the project's own static files, found through django.contrib.staticfiles
finders, under a private scheme (`toppleder-static:css/reports.css`). Everything else is
refused before any I/O happens: a user can never make a report pull in a file or address.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from django.contrib.staticfiles import finders

logger = logging.getLogger(__name__)

STATIC_SCHEME = "toppleder-static:"
PDF_VARIANT = "pdf/ua-1"
REPORT_CSS = "css/reports.css"
FONT_FAMILY = "Oslo Sans"
# (file stem in punkt-assets, CSS weight, CSS style)
FONT_FACES = [
    ("OsloSans-Light", 300, "normal"),
    ("OsloSans-Regular", 400, "normal"),
    ("OsloSans-RegularItalic", 400, "italic"),
    ("OsloSans-Medium", 500, "normal"),
    ("OsloSans-Bold", 700, "normal"),
    ("OsloSans-BoldItalic", 700, "italic"),
]
FONT_DIR = "punkt/fonts"


class RefusedURL(ValueError):
    """A document asked for something outside the project's static files."""


class RenderFailed(Exception):
    """WeasyPrint could not make a PDF of a document; the cause is chained (`__cause__`)."""


# What a WeasyPrint render raises when it cannot lay a document out or the system libraries
# under it fail: OSError (Pango, HarfBuzz, fontconfig and cairo through cffi; font and file
# errors; WeasyPrint's URLFetchingError), ValueError (ImageLoadingError, CSS values it cannot
# use) and RuntimeError (RecursionError on very deeply nested boxes). `render_pdf` turns
# exactly these into RenderFailed, so callers can show a failure page without also hiding
# mistakes in the code that builds the report's data and HTML.
WEASYPRINT_ERRORS = (OSError, ValueError, RuntimeError)


def static_url(path: str) -> str:
    """The URL a report uses for one of the project's static files."""
    return STATIC_SCHEME + path.lstrip("/")


def find_static(path: str) -> Path | None:
    """The file behind a static path, or None. Rejects traversal before asking the finders."""
    clean = PurePosixPath(path)
    if not path or clean.is_absolute() or any(part in ("..", "") for part in path.split("/")):
        return None
    found = finders.find(str(clean))
    if isinstance(found, list):  # finders.find(all=True) shape; be defensive
        found = found[0] if found else None
    return Path(found) if found else None


def _weasy():
    # Imported lazily: WeasyPrint pulls in Pango at import, which views that never
    # render a PDF should not pay for.
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def make_url_fetcher():
    """A WeasyPrint URL fetcher that serves only `toppleder-static:` URLs from the finders."""
    _, URLFetcher, URLFetcherResponse = _weasy()

    class StaticOnlyURLFetcher(URLFetcher):
        def __init__(self):
            # No protocol is "allowed" to the parent class: it never opens anything itself.
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            return fetch_static(url, URLFetcherResponse)

    return StaticOnlyURLFetcher()


def fetch_static(url: str, response_class=None):
    """Resolve a `toppleder-static:` URL to the static file's bytes; refuse everything else."""
    if not isinstance(url, str) or not url.startswith(STATIC_SCHEME):
        logger.warning("Report URL refused: %.100s", url)
        raise RefusedURL(f"Reports may only use the project's static files, not {str(url)[:100]!r}")
    path = unquote(url[len(STATIC_SCHEME) :].split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    found = find_static(path)
    if found is None:
        raise RefusedURL(f"No such static file: {path[:100]!r}")
    mime = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    if found.suffix == ".woff2":
        mime = "font/woff2"
    body = found.read_bytes()
    if response_class is None:
        _, _, response_class = _weasy()
    return response_class(url, body, {"Content-Type": mime})


def font_face_css() -> str:
    """@font-face rules for every Oslo Sans file the finders can see.

    A missing font file is logged and skipped: the report then falls back to DejaVu Sans
    rather than failing (tests assert with pdffonts that Oslo Sans is really embedded).
    """
    rules = []
    for stem, weight, style in FONT_FACES:
        path = f"{FONT_DIR}/{stem}.woff2"
        if find_static(path) is None:
            logger.warning("Report font missing: %s", path)
            continue
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{static_url(path)}") format("woff2"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=1)
def _report_css_text() -> str:
    found = find_static(REPORT_CSS)
    return found.read_text(encoding="utf-8") if found else ""


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float


def render_pdf(html: str) -> RenderResult:
    """Render report HTML (a complete document with lang and <title>) to a PDF/UA-1 PDF.

    The stylesheet and fonts come in as user-agent-independent author stylesheets through
    the static-only fetcher; `base_url` is deliberately absent so relative URLs resolve to
    nothing at all. Raises RenderFailed when WeasyPrint cannot make the PDF.
    """
    weasyprint, _, _ = _weasy()
    from weasyprint.text.fonts import FontConfiguration

    from reports import pdf_tags

    pdf_tags.install()  # one /Table per HTML table, scoped headers (reports/pdf_tags.py says why)

    started = time.perf_counter()
    fetcher = make_url_fetcher()
    try:
        font_config = FontConfiguration()
        css = weasyprint.CSS(
            string=font_face_css() + "\n" + _report_css_text(), url_fetcher=fetcher, font_config=font_config
        )
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            stylesheets=[css], font_config=font_config, pdf_variant=PDF_VARIANT
        )
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    except WEASYPRINT_ERRORS as exc:
        raise RenderFailed(str(exc)[:200]) from exc
    return RenderResult(pdf=pdf, pages=len(document.pages), seconds=time.perf_counter() - started)
