"""The groups a work team's member definitions name (OIDC groups, Cognito user groups)."""

from __future__ import annotations

from shared.domain.arns import member_groups


def test_oidc_and_cognito_groups_are_read_and_junk_is_ignored() -> None:
    definitions = [{"OidcMemberDefinition": {"Groups": ["a", "b"]}}, {"OidcMemberDefinition": {"Groups": ["b"]}},
                   {"CognitoMemberDefinition": {"UserPool": "us-east-1_x", "UserGroup": "c", "ClientId": "id"}},
                   "junk", {"OidcMemberDefinition": {"Groups": [3]}}]
    assert member_groups(definitions) == {"a", "b", "c"}
    assert member_groups(None) == frozenset() and member_groups({"Groups": ["a"]}) == frozenset()
