"""The layering docs/ARCHITECTURE.md describes, checked on the code itself.

    reports  →  surveys  →  reflection_groups  →  programmes  →  toppleder (the core)

An app imports only the layers below it (reports may import every app; the core imports none).
No app reaches another through `importlib` or `apps.get_model`, or hides a failure behind a
blanket `except Exception`; and no comment sends a reader to an issue number they cannot see.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAYERS = ["toppleder", "programmes", "reflection_groups", "surveys", "reports"]
ALLOWED = {name: set(LAYERS[: i + 1]) for i, name in enumerate(LAYERS)}


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


@pytest.mark.parametrize("package", LAYERS)
def test_each_layer_imports_only_the_layers_below_it(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) - ALLOWED[package])
        for path in _modules(package)
        if _imported_packages(path) - ALLOWED[package]
    }
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}: {wrong}"


@pytest.mark.parametrize("package", LAYERS[1:])
def test_no_app_hides_a_dependency_or_a_failure(package):
    pattern = re.compile(r"\bimportlib\b|apps\.get_model|except Exception")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _modules(package)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hits, "\n".join(hits)


def test_no_comment_refers_to_an_issue_number():
    pattern = re.compile(r"\bissues? ?#?\d+\b", re.IGNORECASE)
    places = [*(p for layer in LAYERS for p in _modules(layer)), *(ROOT / "templates").rglob("*.html")]
    places += [ROOT / "README.md", ROOT / "Makefile", *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.*")]
    places += [p for p in (ROOT / "tests").rglob("*.py") if p.name != "test_architecture.py"]
    hits = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in places
        if path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not hits, hits
