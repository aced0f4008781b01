"""The protocol's one kind of bare JSON number (OHLCV): written exactly, in fixed-point, at the precision asked
for, without trailing zeros; and no text a client sends can pass for one."""

import json
from decimal import Decimal as D

import pytest

from gateway import envelope
from gateway.wire import json_number


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("0.00005"), 8, "0.00005"),  # a float would write 5e-05
        (D("1E-8"), 8, "0.00000001"),
        (D("0E-12"), 8, "0"),
        (D("51000.000000000000"), 1, "51000"),
        (D("97123.45"), 2, "97123.45"),
        (D("97123.455"), 2, "97123.46"),  # rounded half to even, as `rounded`
        (D("12345678.12345678"), 8, "12345678.12345678"),  # 16 digits: a float would lose the last
        (D("-2.50"), 2, "-2.5"),
    ],
)
def test_a_json_number_is_written_bare_exact_and_in_fixed_point(value, places, text) -> None:  # type: ignore[no-untyped-def]
    written = envelope.dumps({"volume": json_number(value, places), "amount": value})
    assert written == f'{{"volume":{text},"amount":"{format(value, "f")}"}}'
    assert json.loads(written)["volume"] == pytest.approx(float(text))


def test_text_a_client_sent_is_never_written_as_a_number() -> None:
    for text in ("\x00:5", "\x00number:5", '"5"', "5"):
        assert json.loads(envelope.dumps({"comment": text})) == {"comment": text}
