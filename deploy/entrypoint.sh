#!/usr/bin/env bash
# One role per process (container): deploy/entrypoint.sh <role> [extra arguments for that role's command]
#
#   migrate  apply every database migration, then exit (run once before api, worker and beat)
#   api      the REST API under gunicorn (deploy/gunicorn.conf.py; bind with GW_API_BIND)
#   worker   Celery worker for ingest, dispatch, consolidation and export (GW_WORKER_CONCURRENCY processes);
#            serves /metrics on GW_METRICS_PORT when it is set
#   beat     Celery beat: schedules the periodic sweep (schedule file under GW_DATA_DIR); run exactly one
#   trainer  Celery worker for the training queue: one process, solo pool, so one process owns the GPU
#
# Settings come from GW_* variables (deploy/env/production.env.example lists them all).
# The command is exec'd: it replaces this shell, so SIGTERM from `docker stop` reaches it directly.
set -euo pipefail

ROLES="migrate api worker beat trainer"
role="${1:-}"
if [[ $# -gt 0 ]]; then shift; fi

case "$role" in
  migrate | api | worker | beat | trainer) ;;
  *)
    if [[ -z "$role" ]]; then
      echo "deploy/entrypoint.sh: no role given; expected one of: ${ROLES}" >&2
    else
      echo "deploy/entrypoint.sh: unknown role '${role}'; expected one of: ${ROLES}" >&2
    fi
    echo "usage: deploy/entrypoint.sh <role> [extra arguments]" >&2
    exit 64
    ;;
esac

# gunicorn's config is named relative to the project root (the image's WORKDIR).
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export GW_DATA_DIR="${GW_DATA_DIR:-var}"
mkdir -p "$GW_DATA_DIR"
log_level="${GW_LOG_LEVEL:-info}"

# Prometheus multiprocess mode: every gunicorn worker and Celery child writes its counters to files here and
# whoever serves /metrics sums them. Files left by an earlier run would be summed too, so the long-running
# roles start from an empty folder. Only the metric files (*.db) are removed, whatever folder is named.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${GW_DATA_DIR}/prometheus-${role}}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
PROMETHEUS_MULTIPROC_DIR="$(cd "$PROMETHEUS_MULTIPROC_DIR" && pwd)"
case "$role" in
  api | worker | trainer) find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -type f -name '*.db' -delete ;;
esac

case "$role" in
  migrate)
    exec groundwork migrate "$@"
    ;;
  api)
    exec gunicorn -c deploy/gunicorn.conf.py services.api.wsgi:app "$@"
    ;;
  worker)
    exec celery -A services.worker.celery_app worker \
      -Q ingest,dispatch,consolidation,export \
      -c "${GW_WORKER_CONCURRENCY:-2}" -n "worker@%h" --loglevel "$log_level" \
      --without-gossip --without-mingle "$@"
    ;;
  beat)
    exec celery -A services.worker.celery_app beat \
      -s "${GW_DATA_DIR}/celerybeat-schedule" --loglevel "$log_level" "$@"
    ;;
  trainer)
    exec celery -A services.trainer.celery_app worker \
      -Q training -c 1 -P solo -n "trainer@%h" --loglevel "$log_level" \
      --without-gossip --without-mingle "$@"
    ;;
esac
