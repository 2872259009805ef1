"""A work team's member definitions: what botocore's model cannot say and the service refuses (doc §3.6)."""

from __future__ import annotations

from typing import Any

import pytest

from services.api.sagemaker.errors import AwsError
from services.api.sagemaker.workforces import _member_auth


def cognito(pool: str = "us-east-1_Abc", client: str = "c1", group: str = "g") -> dict[str, Any]:
    return {"CognitoMemberDefinition": {"UserPool": pool, "ClientId": client, "UserGroup": group}}


def oidc(*groups: str) -> dict[str, Any]:
    return {"OidcMemberDefinition": {"Groups": list(groups)}}


def test_one_kind_of_definitions_names_its_sign_in() -> None:
    assert _member_auth([cognito(group="a"), cognito(group="b")]) == "Cognito"
    assert _member_auth([oidc("a"), oidc("b", "c")]) == "Oidc"


@pytest.mark.parametrize("members, words", [
    ([cognito(), oidc("a")], "cannot mix"),
    ([cognito(pool="us-east-1_Abc"), cognito(pool="us-east-1_Xyz")], "same UserPool and ClientId"),
    ([cognito(client="c1"), cognito(client="c2")], "same UserPool and ClientId"),
    ([{}], "MemberDefinitions[0]: give exactly one"),
    ([oidc("a"), {**cognito(), **oidc("b")}], "MemberDefinitions[1]: give exactly one"),
    ([{"OidcMemberDefinition": {}}], "Groups"),
])
def test_what_the_service_refuses_is_a_validation_exception(members: list[dict[str, Any]], words: str) -> None:
    with pytest.raises(AwsError) as info:
        _member_auth(members)
    assert info.value.code == "ValidationException" and words in info.value.message
