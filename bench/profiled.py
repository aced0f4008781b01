"""Run a script under cProfile, timing CPU rather than wall time, and write the profile when it returns:

    python bench/profiled.py OUT.prof manage.py matcher --pairs BTC-USD

What BENCH_PROFILE=<folder> does to the bench's matcher processes (bench/trading_matcher.py); gunicorn's
workers get the same from bench/gunicorn_profile.py. Waits on PostgreSQL or Redis count for nothing.
"""

import cProfile
import runpy
import sys
import time
from pathlib import Path


def main() -> None:
    out, script, *args = sys.argv[1:]
    sys.argv = [script, *args]
    sys.path[0] = str(Path(script).resolve().parent)  # as if the script had been run itself
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
