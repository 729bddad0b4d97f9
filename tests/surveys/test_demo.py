import io
import random

import pytest

from surveys import demo
from surveys.models import Answer, Invitation, Response, Survey
from surveys.results import survey_results, wave_comparison
from tests.factories import SectorFactory
from tests.surveys.factories import ProgrammeFactory, enrolled_leaders

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_shows_suppression():
    programme = ProgrammeFactory()
    first = enrolled_leaders(programme, 1, sector=SectorFactory(code="AAA"))[0]
    first.user.email = "leder001@toppleder.example"
    first.user.save()
    enrolled_leaders(programme, 30, sector=SectorFactory(code="HEL"))
    enrolled_leaders(programme, 20, sector=SectorFactory(code="MOS"), kind="department")
    enrolled_leaders(programme, 3, sector=SectorFactory(code="BLK"), kind="district", level=2)
    demo.seed(size="small", rng=random.Random(1), stdout=io.StringIO())
    counts = (Survey.objects.count(), Response.objects.count(), Answer.objects.count(), Invitation.objects.count())
    demo.seed(size="small", rng=random.Random(2), stdout=io.StringIO())
    assert (
        Survey.objects.count(),
        Response.objects.count(),
        Answer.objects.count(),
        Invitation.objects.count(),
    ) == counts

    follow = Survey.objects.get(kind="follow_up")
    r = survey_results(follow, segment="sector")
    visible = {key: vis for key, _label, vis in r.segment_values}
    assert visible["HEL"] and not visible.get("BLK", False)
    assert any(not row.suppressed for row in wave_comparison(follow).rows)

    pulse = Survey.objects.get(kind="pulse")
    assert pulse.is_open
    assert Invitation.objects.get(survey=pulse, user=first.user).answered is False
