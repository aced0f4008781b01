"""Settings for bench/gateway.py's server: the project's settings plus the benchmark's URL module, which adds
the unauthenticated baseline endpoint. Never used outside the benchmark."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.gateway_urls"
