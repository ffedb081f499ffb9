"""gunicorn settings for carebook (read from the working directory: `gunicorn carebook.wsgi`).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

bind = os.environ.get("CAREBOOK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A restart after a crash binds at once, even while orphaned workers of the dead master still
# hold the old socket (they notice their parent is gone and exit within a few seconds).
reuse_port = True
# A request is killed after this long, and a stopping worker gets this long to finish its own.
timeout = 30
graceful_timeout = 25
# The master imports the app once and each worker is a fork of it: a worker that replaces
# another (below, or after a crash) answers at once instead of spending a second of CPU on
# imports. (A deploy restarts the master; HUP alone would keep the old code.)
preload_app = True
# Workers are replaced now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on tmpfs: a busy disk cannot make the master kill healthy workers.
SHM = "/dev/shm"  # noqa: S108 - gunicorn's own advice for its worker heartbeat files
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log: set CAREBOOK_ACCESS_LOG=- for stdout (the proxy usually keeps one already).
accesslog = os.environ.get("CAREBOOK_ACCESS_LOG") or None
