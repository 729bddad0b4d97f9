"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live_server.

Playwright must never download a browser here: `browser_type_launch_args` points it at
/usr/bin/chromium (STACK.md item 9). Every test in this directory is marked `e2e`.
"""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HTMLCS_JS = ROOT / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DEMO_PASSWORD = "Demo-pass-e2e-2026"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        # `make test-dates` shifts the portal's clock; Chromium under libfaketime does not start
        # (its crash handler's clock calls fail), and the browser's own clock is not under test.
        args["env"] = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    return args


@pytest.fixture
def staff_without_mfa(settings):
    """The crawl signs in with a password only; MFA enforcement has its own tests."""
    settings.MFA_REQUIRED_FOR_STAFF = False
    return settings


def new_context(browser, base_url: str):
    """A fresh browser profile at desktop width, Norwegian, with axe-core preloaded in every page.

    CSP is bypassed only so the preloaded axe-core may run; the app's own pages never rely on it.
    """
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, locale="nb-NO", bypass_csp=True
    )
    context.add_init_script(path=str(AXE_JS))
    return context


def login(page, email: str, password: str) -> None:
    """Sign in through the real allauth form, as a person would."""
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"login as {email} failed: {page.inner_text('main')[:300]}"


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""",
        WCAG_TAGS,
    )


def run_htmlcs(page) -> list[dict]:
    """HTML_CodeSniffer's WCAG2AA errors (not its warnings and notices) on the current page."""
    if not page.evaluate("typeof window.HTMLCS !== 'undefined'"):
        page.add_script_tag(path=str(HTMLCS_JS))
    return page.evaluate(
        """() => new Promise(resolve => HTMLCS.process('WCAG2AA', document, () => resolve(
            HTMLCS.getMessages().filter(m => m.type === HTMLCS.ERROR).slice(0, 20).map(m => ({
                code: m.code, msg: m.msg,
                at: m.element && m.element.outerHTML ? m.element.outerHTML.slice(0, 160) : String(m.element)})))))"""
    )


def format_htmlcs(errors: list[dict]) -> str:
    return "\n".join(f"  {e['code']}: {e['msg'][:160]}\n      at {e['at']}" for e in errors)


def run_vnu(files: dict[str, str]) -> dict[str, list[str]]:
    """The Nu HTML Checker's errors per page, for {label: html}; one JVM for all pages."""
    import json
    import subprocess
    import tempfile

    if not files:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        names = {}
        for i, (label, html) in enumerate(files.items()):
            path = Path(tmp) / f"page-{i:04d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = label
        out = subprocess.run(
            ["java", "-Xss2m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--exit-zero-always", tmp],
            capture_output=True,
            text=True,
            check=True,
        )
    found: dict[str, list[str]] = {}
    for m in json.loads(out.stderr or out.stdout or '{"messages": []}')["messages"]:
        label = names.get(m.get("url", "").rsplit("/", 1)[-1], m.get("url", "?"))
        extract = re.sub(r"\s+", " ", m.get("extract", ""))[:120]
        found.setdefault(label, []).append(f"line {m.get('lastLine', '?')}: {m.get('message', '')} [{extract}]")
    return found


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"]:
            summary = re.sub(r"\s+", " ", n["summary"] or "")[:200]
            lines.append(f"      at {n['target']}: {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A Norwegian browser (Django's LocaleMiddleware would pick English for Chromium's en-US default.
    return {**browser_context_args, "locale": "nb-NO", "bypass_csp": True}
