"""toppleder/reference.yaml is a byte copy of shared/domain/reference.yaml (Docker images have no shared/)."""

import os
from pathlib import Path

import yaml
from django.conf import settings

from toppleder import reference

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "toppleder" / "reference.yaml"


def shared_copy() -> Path:
    """The team's master copy: $TOPPLEDER_SHARED_DIR, else ../shared beside the checkout."""
    base = Path(os.environ.get("TOPPLEDER_SHARED_DIR", ROOT.parent / "shared"))
    return base / "domain" / "reference.yaml"


def test_reference_copy_is_byte_identical_to_the_shared_one_when_shared_is_beside_the_checkout():
    shared = shared_copy()
    if shared.exists():
        assert LOCAL.read_bytes() == shared.read_bytes(), (
            f"{LOCAL} has drifted from {shared}: copy it again (cp {shared} {LOCAL})"
        )
    # Either way the packaged copy is the one the settings load.
    assert Path(settings.REFERENCE_DATA).resolve() == LOCAL.resolve()


def test_reference_loads_the_sections_the_code_relies_on():
    data = yaml.safe_load(LOCAL.read_text(encoding="utf-8"))
    for section in ("activity_kinds", "measure_areas", "ten_factors", "reflection_prompts", "demo_organisations"):
        assert data[section], section
    portal = yaml.safe_load((ROOT / "toppleder" / "reference_portal.yaml").read_text(encoding="utf-8"))
    assert not set(data) & set(portal)
    assert reference.load() == {**data, **portal}
    assert len(reference.entries("measure_areas")) == 4


def test_unions_are_the_four_main_unions_of_oslo_kommune():
    keys = [e["key"] for e in reference.entries("unions")]
    assert keys == ["lo_kommune", "unio", "ys_kommune", "akademikerne"]
    assert all(e["nb"] and e["en"] for e in reference.entries("unions"))
