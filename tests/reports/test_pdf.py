"""reports/pdf.py: the static-only URL fetcher, PDF/UA output, Oslo Sans embedded, failures."""

import pytest

from reports import pdf
from tests.reports.conftest import pdf_fonts, pdf_text, pypdf_reader


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        "http://127.0.0.1:8000/admin/",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "toppleder-static:../../../etc/passwd",
        "toppleder-static:/etc/passwd",
        "toppleder-static:css/../../settings.py",
        "toppleder-static:no/such/file.css",
        "/etc/passwd",
    ],
)
def test_url_fetcher_refuses_everything_but_static_files(url):
    fetcher = pdf.make_url_fetcher()
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)


def test_url_fetcher_serves_static_css_and_fonts():
    fetcher = pdf.make_url_fetcher()
    css = fetcher.fetch("toppleder-static:css/reports.css")
    assert b"@page" in css.read()
    font = fetcher.fetch("toppleder-static:punkt/fonts/OsloSans-Regular.woff2")
    assert font.content_type == "font/woff2"
    assert font.read(4) == b"wOF2"


def test_document_naming_a_file_or_address_renders_without_fetching_it(monkeypatch):
    asked = []
    real = pdf.fetch_static

    def spy(url, response_class=None):
        asked.append(url)
        return real(url, response_class)

    monkeypatch.setattr(pdf, "fetch_static", spy)
    html = (
        '<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Test</title>'
        '<link rel="stylesheet" href="file:///etc/passwd"></head><body><h1>Hei</h1>'
        '<img src="file:///etc/passwd" alt="x"><img src="http://127.0.0.1:9/x.png" alt="y">'
        "<p>root:x:0:0</p></body></html>"
    )
    result = pdf.render_pdf(html)
    assert result.pdf.startswith(b"%PDF")
    # Every URL went through the static-only fetcher, which refused the two outside ones.
    assert "file:///etc/passwd" in asked and "http://127.0.0.1:9/x.png" in asked
    assert "daemon" not in pdf_text(result.pdf)


def test_render_embeds_oslo_sans_and_is_tagged_with_language_and_title():
    html = (
        '<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Øktrapport for &lt;test&gt;</title></head>'
        "<body><h1>Overskrift</h1><p>Brødtekst med æøå.</p></body></html>"
    )
    result = pdf.render_pdf(html)
    fonts = pdf_fonts(result.pdf)
    assert "Oslo-Sans" in fonts
    assert "DejaVu" not in fonts
    reader = pypdf_reader(result.pdf)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nb"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "Øktrapport for <test>"
    assert "Brødtekst med æøå." in pdf_text(result.pdf)


def test_missing_font_falls_back_and_still_renders(monkeypatch):
    real = pdf.find_static
    monkeypatch.setattr(pdf, "find_static", lambda path: None if path.startswith("punkt/fonts/") else real(path))
    assert pdf.font_face_css() == ""
    result = pdf.render_pdf(
        '<!DOCTYPE html><html lang="nb"><head><title>T</title></head><body><p>Hei</p></body></html>'
    )
    assert "Oslo-Sans" not in pdf_fonts(result.pdf)
    assert "Hei" in pdf_text(result.pdf)


@pytest.mark.parametrize("error", [OSError("Pango fell over"), ValueError("bad image"), RecursionError("deep")])
def test_a_weasyprint_failure_is_raised_as_render_failed_with_its_cause(monkeypatch, error):
    import weasyprint

    def broken(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    with pytest.raises(pdf.RenderFailed) as failed:
        pdf.render_pdf('<!DOCTYPE html><html lang="nb"><head><title>T</title></head><body></body></html>')
    assert failed.value.__cause__ is error


def test_other_errors_are_not_turned_into_render_failed(monkeypatch):
    import weasyprint

    def buggy(self, *args, **kwargs):
        raise TypeError("a bug, not a document WeasyPrint cannot render")

    monkeypatch.setattr(weasyprint.HTML, "render", buggy)
    with pytest.raises(TypeError):
        pdf.render_pdf('<!DOCTYPE html><html lang="nb"><head><title>T</title></head><body></body></html>')
