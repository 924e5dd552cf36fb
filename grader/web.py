"""Minimal Flask application factory; the student/teacher web service builds on it in a later issue."""

from __future__ import annotations

from flask import Flask, jsonify


def create_app() -> Flask:
    """A Flask app exposing `/healthz` only, so that `wsgi.py` imports and deployments can probe it."""
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> object:
        """Liveness probe."""
        return jsonify(status="ok", web="not yet implemented")

    return app
