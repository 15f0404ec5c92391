"""gunicorn settings the bench adds to the documented command (`-c`): a log
line once a worker has loaded the app. Runs start when every worker has
logged it; otherwise wrk's keep-alive connections would all be accepted by
the workers already up and stay with them for the whole run."""
READY = "nes-bench: worker ready"


def post_worker_init(worker):
    worker.log.info("%s (pid: %s)", READY, worker.pid)
