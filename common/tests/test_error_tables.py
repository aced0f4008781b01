"""Each door has one explicit error table keyed by class, and every domain error has a row in both.

The gateway's table is `gateway.envelope.DOMAIN_ERRORS`, the frontend's `config.frontend_errors.FRONTEND_ERRORS`.
A subclass is not covered by its base's row: a new error is not done until someone decided, per door, how it
answers. Classes defined by tests (to exercise the fallback) are left out of the walk.
"""

import importlib
import importlib.util

import pytest
from django.apps import apps
from django.test import RequestFactory
from rest_framework.views import APIView

from accounts.errors import TwoFactorRequiredError
from common.errors import DomainError, TooManyAttemptsError
from config.frontend_errors import FRONTEND_ERRORS, exception_handler
from gateway.envelope import DOMAIN_ERRORS
from ledger.errors import ClientTxIdConflictError, InsufficientFundsError
from trading.errors import OrderNotFoundError, TradingUnavailableError


def _import_every_errors_module() -> None:
    for name in ["common", *(config.name for config in apps.get_app_configs())]:
        module = f"{name}.errors"
        if importlib.util.find_spec(name) is not None and importlib.util.find_spec(module):
            importlib.import_module(module)


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def domain_errors() -> list[type[DomainError]]:
    _import_every_errors_module()
    return sorted(
        (
            cls
            for cls in _subclasses(DomainError)
            if ".tests." not in f"{cls.__module__}." and not cls.__module__.startswith("tests.")
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def test_the_walk_finds_the_errors_of_every_app() -> None:
    modules = {cls.__module__ for cls in domain_errors()}
    assert {
        "common.errors",
        "accounts.errors",
        "apikeys.errors",
        "conditions.errors",
        "ledger.errors",
        "trading.errors",
    } <= modules


def test_every_domain_error_is_named_by_both_doors_tables() -> None:
    missing = [
        f"{cls.__module__}.{cls.__qualname__}: "
        + ", ".join(
            door
            for door, table in (("gateway", DOMAIN_ERRORS), ("frontend", FRONTEND_ERRORS))
            if cls not in table
        )
        for cls in domain_errors()
        if cls not in DOMAIN_ERRORS or cls not in FRONTEND_ERRORS
    ]
    assert missing == [], "domain errors without a row (name them in both tables)"


def test_the_tables_name_only_domain_errors_and_error_statuses() -> None:
    assert all(issubclass(cls, DomainError) for cls in [*DOMAIN_ERRORS, *FRONTEND_ERRORS])
    # 4xx, except the one refusal that is the server's: a pair's matcher not answering in time.
    unavailable = {TradingUnavailableError: 503}
    assert all(
        400 <= status < 500 or unavailable.get(cls) == status
        for cls, status in FRONTEND_ERRORS.items()
    )
    assert all(
        400 <= status < 500 or unavailable.get(cls) == status
        for cls, (status, _) in DOMAIN_ERRORS.items()
    )


class UnmappedError(DomainError):
    code = "unmapped_for_the_test"
    default_message = "secret internals of an unmapped error"


def test_the_frontend_answers_an_unmapped_error_500_in_its_envelope_and_logs_it(caplog) -> None:
    request = APIView().initialize_request(RequestFactory().post("/"))
    response = exception_handler(UnmappedError(), {"request": request})
    assert response is not None
    assert response.status_code == 500
    assert response.data["error"] == {
        "code": "server_error",
        "message": "Internal server error.",
        "details": {},
    }
    assert "secret internals" not in str(response.data)
    assert "unmapped domain error UnmappedError" in caplog.text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OrderNotFoundError(), 404),
        (InsufficientFundsError(), 400),
        (ClientTxIdConflictError(), 409),
        (TwoFactorRequiredError(), 403),
    ],
)
def test_the_frontend_answers_a_mapped_error_with_its_rows_status_and_own_code(
    error, status
) -> None:
    response = exception_handler(error, {})
    assert response is not None
    assert response.status_code == status
    assert response.data["error"] == {
        "code": error.code,
        "message": error.message,
        "details": error.details,
    }


def test_too_many_attempts_says_when_to_retry() -> None:
    response = exception_handler(TooManyAttemptsError(retry_after=7), {})
    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (429, "7")
