"""Fixtures the survey tests share."""

import pytest

from tests.factories import HRUserFactory


@pytest.fixture
def hr_client(client):
    """A test client signed in as HR."""
    client.force_login(HRUserFactory())
    return client
