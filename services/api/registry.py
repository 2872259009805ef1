"""The app's one route registry (validation + OpenAPI)."""

from services.api.openapi import Registry

registry = Registry()
