"""The web dashboard and JSON API over the same engine (``create_app``; ``supportkpi serve``)."""

from supportkpi.web.app import create_app

__all__ = ["create_app"]
