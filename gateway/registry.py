"""The action registry: protocol action name -> what it needs and the function that serves it.

How to add an action (ledger and trading do it in `gateway/actions/<area>.py`; every module in that package
is imported at start-up by `gateway/actions/__init__.py`, so a new module needs no other edit):

    from apikeys.models import Permission
    from gateway.params import AccountIdParam, CurrencyParam, DecimalParam, Params, StringParam
    from gateway.registry import Call, action

    class InternalTransferParams(Params):
        fromAccountId = AccountIdParam()
        toAccountId = AccountIdParam()
        currency = CurrencyParam()
        amount = DecimalParam(positive=True)
        clientTxId = StringParam(max_length=64, required=False)

    @action("do_my_internal_transfer", permission=Permission.FUNDS_INTERNAL, cost=1, mutates=True,
            params=InternalTransferParams)
    def do_my_internal_transfer(params: dict, call: Call) -> dict:
        transfer = transfer_create(user=call.user, ..., actor=call.actor)
        return {"transactionId": transfer.id}

The handler receives
  * `params`: the validated parameters (a dict keyed by the protocol's names; optional ones that were not sent
    are absent; numbers are `Decimal`/`int`, moments aware `datetime`s; see gateway/params.py);
  * `call`: a `Call` with `user` (loaded on first use), `user_id`, `key` (the `apikeys.selectors.AuthKey`;
    `None` on public calls), `ip` (the resolved client IP), `actor` (the `activities.actor.Actor` every recording
    service takes: this IP and the key's public id), `now` (the request's clock, aware UTC) and `action`.
It returns the envelope's `data` (a dict or list of JSON-safe values; `Decimal`s are written as fixed-point
strings, `datetime`s as ISO-8601 with milliseconds, but format them yourself with `gateway.wire`, which names
what each formatter does to the digits: `padded`, `cut`, `rounded`, `trimmed`, `epoch_ms`, `iso_ms`).

Errors: raise `gateway.errors.GatewayError(message, status=422)` (or `ParameterError(message)`) for protocol
refusals that are not domain rules. Services raise `DomainError` subclasses; `gateway/envelope.py` holds the one
table `DOMAIN_ERRORS` (error class -> status, protocol text) that translates them. Every class has its row there
(and in config/frontend_errors.py); an unlisted one is a programming error, logged and answered 500
`Unexpected error`, like anything else unexpected.

Activity: a read (`mutates=False`) gets its `gateway.call` row from the gateway after it returns. A mutating
action records its own activity row inside its service's transaction (pass `actor=call.actor` down); the
gateway then writes nothing on success. Refusals and failures of any action get
one `gateway.refused` row from the gateway. `log_params` names the parameters that may appear in that row's
summary (default: every declared parameter); never list one that can carry a secret.

`mutates=True` also turns on the replay guard: the exact same signed request (same key, same signature) is
refused while its timestamp is inside the window.

Public actions: `public=True` serves the action on `/rest-public/` (no key, rate-limited per client IP) and,
unless `private=False`, also on `/rest/` as its signed twin with `permission`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from activities.actor import Actor
from apikeys.models import Permission

if TYPE_CHECKING:
    from apikeys.selectors import AuthKey

Handler = Callable[[dict[str, Any], "Call"], Any]


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    handler: Handler
    permission: str
    cost: int
    mutates: bool
    params: type[serializers.Serializer] | None
    log_params: tuple[str, ...]


@dataclass
class Call:
    """What a handler knows about the call besides its parameters."""

    action: Action
    user_id: int | None
    key: "AuthKey | None"
    ip: str | None
    now: datetime
    _user: Any = field(default=None, repr=False)

    @cached_property
    def user(self) -> Any:
        """The caller's user, loaded on first use (many reads never need more than `user_id`)."""
        if self._user is not None:
            return self._user
        if self.user_id is None:
            return None
        return get_user_model().objects.get(pk=self.user_id)

    @property
    def actor(self) -> Actor:
        """Who acts: this client IP with the key that signed the call (a public call has no key)."""
        return Actor.gateway(ip=self.ip, api_key=self.key.public_id if self.key is not None else "")

    def user_ref(self) -> Any:
        """A user instance good enough for a foreign key, without a query when none was loaded."""
        if "user" in self.__dict__:
            return self.__dict__["user"]
        return get_user_model()(pk=self.user_id)


PUBLIC: dict[str, Action] = {}
PRIVATE: dict[str, Action] = {}


def _declared_fields(params: type[serializers.Serializer] | None) -> tuple[str, ...]:
    if params is None:
        return ()
    return tuple(params().fields.keys())


def action(
    name: str,
    *,
    permission: str = Permission.READ,
    cost: int = 1,
    mutates: bool = False,
    params: type[serializers.Serializer] | None = None,
    public: bool = False,
    private: bool = True,
    log_params: tuple[str, ...] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of action `name` (see the module docstring)."""

    def register(handler: Handler) -> Handler:
        entry = Action(
            name=name,
            handler=handler,
            permission=str(permission),
            cost=cost,
            mutates=mutates,
            params=params,
            log_params=log_params if log_params is not None else _declared_fields(params),
        )
        for table, wanted in ((PUBLIC, public), (PRIVATE, private)):
            if not wanted:
                continue
            if name in table and table[name].handler is not handler:
                raise ValueError(f"gateway action {name!r} is registered twice")
            table[name] = entry
        return handler

    return register


def get_action(name: str, *, public: bool) -> Action | None:
    return (PUBLIC if public else PRIVATE).get(name)
