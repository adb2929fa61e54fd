"""Gunicorn settings for running in a container.

Every value can be overridden by environment variables so the Helm chart can tune them
per environment without rebuilding the image.
"""

# pylint: disable=invalid-name  # gunicorn reads these lower-case module globals.
import multiprocessing
import os
import shutil

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
# Containers get a CPU limit, not the host's cores: default to 2 workers, let the chart decide.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
max_workers = multiprocessing.cpu_count() * 2 + 1
workers = min(workers, max_workers)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Kubernetes sends SIGTERM, then SIGKILL after terminationGracePeriodSeconds (default 30 s).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The read-only root filesystem leaves only /tmp writable; /dev/shm is faster where mounted.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")
# The app writes its own JSON access log; gunicorn's error log goes to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trust X-Forwarded-* only from the ingress path inside the cluster.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(_server):
    """Start every run with an empty Prometheus multiprocess directory (stale files skew counts)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(_server, worker):
    """Drop a dead worker's live gauges from the aggregate."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # pylint: disable=import-outside-toplevel

        multiprocess.mark_process_dead(worker.pid)
