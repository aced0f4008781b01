"""The README's ccxt snippet, run as written against the live server with the demo data: its order fills."""

import contextlib
import io
import re
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_ccxt_snippet_reads_the_ticker_and_its_order_fills(live_server, settings):
    from demo.management.commands.seed_demo import SEEDERS
    from demo.users import demo_user
    from trading.models import Trade

    settings.DEBUG = True  # the README's fixed demo key exists in the embedded mode only
    for path in SEEDERS:
        import_module(path).seed(io.StringIO())
    snippet = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    snippet = snippet.replace("http://127.0.0.1:8000", live_server.url)
    snippet = snippet.replace(
        "ex.load_markets()", "ex.session.trust_env = False\nex.load_markets()"
    )
    out = io.StringIO()

    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "README.md", "exec"), {})  # noqa: S102 - the README's own code

    status, filled, _average = out.getvalue().strip().splitlines()[-1].split()
    assert status == "closed"
    assert Decimal(filled) == Decimal("0.001")
    assert Trade.objects.filter(taker_user=demo_user()).count() >= 1
