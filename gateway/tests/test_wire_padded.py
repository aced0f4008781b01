"""`gateway.wire.padded`, the formatter of most amounts on the wire: at least the asked decimals, never a digit
cut, no exponent, the value's own trailing zeros beyond the asked decimals dropped."""

from decimal import Decimal as D

import pytest

from gateway.wire import padded


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("1.5"), 2, "1.50"),
        (D("1.500000000000"), 2, "1.50"),  # as a numeric(30, 12) column hands it over
        (D("1.23456"), 2, "1.23456"),  # never cut
        (D("100"), 2, "100.00"),
        (D("100.000"), 0, "100"),
        (D("1E+2"), 2, "100.00"),  # no exponent
        (D("1E-7"), 2, "0.0000001"),
        (D("0E-8"), 8, "0.00000000"),
        (D("0"), 0, "0"),
        (D("-0.5"), 3, "-0.500"),
        (D("50000.10"), 1, "50000.1"),
        (D("7.0"), 0, "7"),
        (None, 2, None),
    ],
)
def test_padded_writes_at_least_the_places_and_never_cuts(value, places, text) -> None:  # type: ignore[no-untyped-def]
    assert padded(value, places) == text
