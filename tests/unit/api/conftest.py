"""The API tests' shared fixtures (a test client, a requester's key, a manifest, a private team), defined once in
test_validation_and_access and offered to every API test module."""

from tests.unit.api.test_validation_and_access import acme, client, manifest, staff  # noqa: F401
