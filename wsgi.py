"""WSGI entry point for gunicorn (several machines): `gunicorn -w 4 -b 0.0.0.0:8000 wsgi:app`.

Configured by the environment: GRADER_DATABASE_URL (PostgreSQL), GRADER_BROKER_URL (Redis, so that
`grader worker` processes grade), GRADER_SECRET_KEY (the same on every web machine), GRADER_SECURE_COOKIES=1
behind HTTPS. Without a broker nothing grades in these processes: use `grader serve` on one machine instead.
"""

from grader.web import create_app

app = create_app()
