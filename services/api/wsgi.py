"""The gunicorn target: `gunicorn -c deploy/gunicorn.conf.py services.api.wsgi:app`."""

from services.api.app import create_app

app = create_app()
