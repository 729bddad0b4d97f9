"""Pick lists name what tells two choices apart: a leader group by its organisation where the
name does not already say it."""

import pytest

from programmes.forms import EnrolGroupForm
from tests.factories import LeaderGroupFactory, OrganisationFactory


@pytest.mark.django_db
def test_two_groups_of_one_name_are_told_apart_by_their_organisation():
    LeaderGroupFactory(name="Ledergruppe økonomi", organisation=OrganisationFactory(name="Bydel Alna"))
    LeaderGroupFactory(name="Ledergruppe økonomi", organisation=OrganisationFactory(name="Bydel Frogner"))
    LeaderGroupFactory(name="Ledergruppen i Bydel Sagene", organisation=OrganisationFactory(name="Bydel Sagene"))
    labels = [label for value, label in EnrolGroupForm().fields["group"].choices if value]
    assert labels == [
        "Ledergruppe økonomi (Bydel Alna)",
        "Ledergruppe økonomi (Bydel Frogner)",
        "Ledergruppen i Bydel Sagene",  # the name says it already
    ]
