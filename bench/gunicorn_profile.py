"""gunicorn hooks for a bench run with BENCH_PROFILE=<folder>: each worker runs under cProfile from its fork and
leaves `worker-<pid>.prof` in the folder when it stops (`pstats` reads it). Times are CPU times of the process
(`time.process_time`), not wall time: waits on PostgreSQL, Redis or the matcher count for nothing."""

import cProfile
import os
import time
from pathlib import Path
from typing import Any

_profile = cProfile.Profile(time.process_time)


def post_fork(server: Any, worker: Any) -> None:
    _profile.enable()


def worker_exit(server: Any, worker: Any) -> None:
    _profile.disable()
    folder = Path(os.environ["BENCH_PROFILE"])
    folder.mkdir(parents=True, exist_ok=True)
    _profile.dump_stats(folder / f"worker-{os.getpid()}.prof")
