"""The browser side of the API service: the worker portal, the requester console and the crowd elements."""
