"""The single sign-on rules that the browser test (tests/e2e/test_sso.py) does not reach: the
provider's MFA is trusted only when configured, and group claims set and take away only the
roles the configuration names."""

import pytest

from tests.factories import FacilitatorFactory, HRUserFactory
from toppleder.accounts import provider_mfa_trusted
from toppleder.services import roles_from_sso

pytestmark = pytest.mark.django_db
MAPPING = {"grp-hr": "HR", "grp-fac": "Facilitator"}


def test_the_providers_mfa_counts_only_when_configured(settings):
    claims = {"amr": ["pwd", "mfa"], "acr": "urn:entra:mfa"}
    settings.OIDC_TRUSTED_AMR, settings.OIDC_TRUSTED_ACR = [], []
    assert not provider_mfa_trusted(claims)
    settings.OIDC_TRUSTED_AMR = ["mfa"]
    assert provider_mfa_trusted(claims)
    assert not provider_mfa_trusted({"amr": ["pwd"]})
    settings.OIDC_TRUSTED_AMR, settings.OIDC_TRUSTED_ACR = [], ["urn:entra:mfa"]
    assert provider_mfa_trusted(claims) and not provider_mfa_trusted({"acr": "urn:entra:pwd"})


def test_group_claims_set_and_take_away_only_mapped_roles():
    user = FacilitatorFactory(roles=["Administrator"])
    roles_from_sso(user=user, groups=["grp-hr", "grp-ukjent"], mapping=MAPPING)
    # HR given, Facilitator (mapped, group gone) taken away, Administrator (not mapped) untouched.
    assert sorted(user.groups.values_list("name", flat=True)) == ["Administrator", "HR"]
    hr = HRUserFactory()
    roles_from_sso(user=hr, groups=[], mapping={})
    assert list(hr.groups.values_list("name", flat=True)) == ["HR"]
