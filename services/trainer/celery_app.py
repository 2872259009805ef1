"""The trainer's Celery app: consumes only the training queue, with the solo pool so one process owns the GPU.

Its active-learning rounds (the `gw.train_round` task) come with the automated-labeling issue; the app
already starts, routes the training queue and is started by `deploy/entrypoint.sh trainer`.
"""

from __future__ import annotations

from shared.config import from_env
from shared.messaging import make_celery

settings = from_env()
app = make_celery(settings, "groundwork-trainer", include=[])
