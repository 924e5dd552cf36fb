"""WSGI entry point. The web service is a later issue; until then this serves only a health check."""

from grader.web import create_app

app = create_app()
