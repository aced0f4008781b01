"""What the registry cannot say about each action: its summary, what each parameter means, the shape of its
answer, a worked example and the domain refusals it may give. Types, bounds, defaults, permission, cost and door
come from the registry itself (gateway/reference/__init__.py); a test refuses an action or a parameter missing
here, and a description here for a parameter the action does not declare.

Kept beside the registry rather than in each `@action(...)` so the handlers' modules stay as they are; the
examples run in this order against the demo data in the contract test (an order is placed before it is cancelled).
"""

from dataclasses import dataclass, field
from typing import Any

from conditions.errors import PairNotFoundError
from gateway.reference.shapes import (
    Schema,
    array,
    boolean,
    choice,
    decimal,
    integer,
    mapping,
    number,
    obj,
    one_of,
    text,
)
from ledger.errors import (
    AccountLimitError,
    AccountNotFoundError,
    AmountPrecisionError,
    BlockchainNotSupportedError,
    ClientTxIdConflictError,
    DepositAddressUnavailableError,
    InsufficientFundsError,
    InvalidAccountNameError,
    MainAccountDepositAddressError,
    MainAccountNotAllowedError,
    SameAccountError,
    UnsupportedCurrencyError,
)
from trading.errors import (
    ClientOrderIdConflictError,
    MainAccountOrderError,
    OrderCancelNotAllowedError,
    OrderFinalError,
    OrderNotFoundError,
)

NOW_MS = "<now in ms>"  # an example value the client fills in with its clock (the contract test does too)


@dataclass(frozen=True)
class ActionDoc:
    summary: str
    params: dict[str, str]
    response: Schema
    example: dict[str, Any] = field(default_factory=dict)
    refusals: tuple[type[Exception] | Exception | str, ...] = ()


PAIR = "Pair id, `BASE-QUOTE` in upper case."
ACCOUNT_LIST = 'Sub-account ids (`""` = the main account); none means every account.'
PAGE_SIZE = "Rows per page."
HISTORY_PAGE_NUMBER = "Page number, from 1 (needs pageSize)."
DATE_FROM = "From this moment (epoch ms, inclusive)."
DATE_TO = "Until this moment (epoch ms, exclusive)."


def _balance(description: str, example: str) -> Schema:
    return decimal(description, example)


ORDER_FIELDS: dict[str, Schema] = {
    "orderId": text("The exchange's order id (digits).", "1042"),
    "clientOrderId": text("Your id for the order.", "my-order-0001"),
    "clientId": text("Your client id.", "up123456"),
    "accountId": text("The sub-account.", "bot1", nullable=True),
    "status": choice(
        "Order status.",
        ("PENDING_NEW", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELLED", "EXPIRED", "REJECTED"),
        "NEW",
    ),
    "statusIsFinal": boolean("True once the order can no longer change.", False),
    "currency1": text("Base currency.", "BTC"),
    "currency2": text("Quote currency.", "USD"),
    "side": choice("BUY or SELL.", ("BUY", "SELL")),
    "orderType": choice("Order type.", ("Limit", "Market", "Stop Limit"), "Limit"),
    "timeInForce": text("GTC, IOC, FOK or GTD.", "GTC", nullable=True),
    "comment": text("Your comment.", None, nullable=True),
    "rejectCode": integer(
        "Why the order was rejected (null unless REJECTED).", None, nullable=True
    ),
    "rejectReason": text("The rejection's text (null unless REJECTED).", None, nullable=True),
    "requestedAmountCcy1": decimal("Requested base amount.", "0.00100000", nullable=True),
    "requestedAmountCcy2": decimal("Requested quote amount (market buys).", None, nullable=True),
    "executedAmountCcy1": decimal("Base amount filled so far.", "0.00000000"),
    "executedAmountCcy2": decimal("Quote amount filled so far.", "0.00"),
    "initialOnHoldAmountCcy1": decimal(
        "Base put on hold when placed (sells).", None, nullable=True
    ),
    "initialOnHoldAmountCcy2": decimal(
        "Quote put on hold when placed, fee included (buys).", "90.23", nullable=True
    ),
    "price": decimal("Limit price.", "90000.0", nullable=True),
    "averagePrice": decimal("Average fill price.", None, nullable=True),
    "feeAmount": decimal("Fee charged so far.", "0.00"),
    "feeCurrency": text("Currency of the fee.", "USD", nullable=True),
    "clientCreateTimestamp": integer("Your `timestamp` (epoch ms).", 1764460800000, nullable=True),
    "serverCreateTimestamp": integer("When the exchange took the order (epoch ms).", 1764460800120),
    "lastUpdateTimestamp": integer("Last change (epoch ms).", 1764460800120),
    "expireTime": integer("GTD expiry (epoch ms).", None, nullable=True),
    "effectiveTime": integer("Always null (no delayed activation).", None, nullable=True),
    "stopPrice": decimal("Trigger price (Stop Limit orders only).", "96000.0"),
}
ORDER = obj("An order.", ORDER_FIELDS, optional=("stopPrice",))
EXECUTION_REPORT = obj(
    "The order's state after placing it, as an execution report.",
    {
        "messageType": choice("Always executionReport.", ("executionReport",)),
        **ORDER_FIELDS,
        "executionType": choice("What happened.", ("New", "Trade", "Rejected"), "New"),
        "orderRejectReason": text(
            'JSON text `{"code","reason"}` (REJECTED only).',
            '{"code":403,"reason":"Insufficient funds"}',
        ),
        "lastQuantity": decimal("Base amount of the last fill (Trade only).", "0.00100000"),
        "lastAmountCcy1": decimal("Same as lastQuantity.", "0.00100000"),
        "lastAmountCcy2": decimal("Quote amount of the last fill.", "97.25"),
        "lastPrice": decimal("Price of the last fill.", "97250.0"),
        "executionId": text("`<ms>_<orderId>_<fills>`.", "1764460800120_1042_0"),
        "transactTime": text("When (ISO 8601, UTC, ms).", "2025-11-30T00:00:00.120Z"),
    },
    optional=(
        "stopPrice",
        "orderRejectReason",
        "lastQuantity",
        "lastAmountCcy1",
        "lastAmountCcy2",
        "lastPrice",
    ),
)
FEE_ENTRY = obj(
    "One tier of a schedule.",
    {
        "fee": decimal("Taker fee, percent.", "0.25"),
        "makerFee": decimal("Maker fee, percent.", "0.15"),
        "takerFee": decimal("Taker fee, percent.", "0.25"),
        "volume": number("30-day USD volume from which the tier applies.", 0),
    },
)
FEE_SCHEDULE = array("Tiers by 30-day volume.", FEE_ENTRY)
FEE_GROUPS = mapping(
    "Schedules per pair group, keyed by the group's code.",
    "majors",
    obj(
        "A pair group's schedule.",
        {
            "name": text("Group name.", "Majors"),
            "description": text("Group description.", "BTC and ETH pairs"),
            "pairList": array("Its pairs.", text(PAIR, "BTC-USD")),
            "schedule": FEE_SCHEDULE,
        },
    ),
)
CANDLE = obj(
    "One candle (numbers are JSON numbers here, as the protocol says). An empty period has no prices.",
    {
        "timestamp": integer("Start of the period (epoch ms).", 1764457200000),
        "open": number("First best price.", 97250.5),
        "high": number("Highest.", 97400),
        "low": number("Lowest.", 97100.1),
        "close": number("Last.", 97310),
        "volume": number("Traded base volume.", 0.42),
        "resolution": text("The resolution asked for.", "1h"),
        "isClosed": boolean("Present (true) once the period is over.", True),
        "timestampISO": text("Start of the period (ISO 8601).", "2025-11-29T23:00:00.000Z"),
    },
    optional=("open", "high", "low", "close", "volume", "isClosed"),
)
BALANCE = obj(
    "A balance.",
    {
        "balance": _balance("Total, on hold included.", "20000.00"),
        "balanceOnHold": _balance("On hold for open orders.", "90.23"),
        "balanceInConvertedCurrency": decimal(
            "The total in USD (when a rate is known).", "20000.00"
        ),
    },
    optional=("balanceInConvertedCurrency",),
)

DOCS: dict[str, ActionDoc] = {
    "get_server_time": ActionDoc(
        "The server's clock, to set X-AGGR-TIMESTAMP.",
        {},
        obj(
            "The time now.",
            {
                "timestamp": integer("Epoch ms.", 1764460800000),
                "ISODate": text("ISO 8601, UTC, ms.", "2025-11-30T00:00:00.000Z"),
            },
        ),
    ),
    "get_pairs_info": ActionDoc(
        "Trading conditions of every pair, or of those asked for (unknown pairs are left out).",
        {
            "pairs": "Pairs to list; none means every pair.",
            "pair": "Same as pairs (one docs example).",
        },
        array(
            "One entry per pair.",
            obj(
                "A pair's conditions.",
                {
                    "base": text("Base currency.", "BTC"),
                    "quote": text("Quote currency.", "USD"),
                    "baseMin": decimal("Smallest base amount.", "0.00001"),
                    "baseMax": decimal("Largest base amount.", "100"),
                    "baseLotSize": decimal("Base amount step.", "0.00000001"),
                    "quoteMin": decimal("Smallest order value.", "5"),
                    "quoteMax": decimal("Largest order value.", "5000000"),
                    "quoteLotSize": decimal("Quote amount step.", "0.01"),
                    "basePrecision": integer("Base decimals.", 8),
                    "quotePrecision": integer("Quote decimals.", 2),
                    "pricePrecision": integer("Price decimals.", 1),
                    "minPrice": decimal("Lowest price.", "100"),
                    "maxPrice": decimal("Highest price.", "1000000"),
                },
            ),
        ),
        {"pairs": ["BTC-USD"]},
    ),
    "get_currencies_info": ActionDoc(
        "Every currency, or those asked for.",
        {"currencies": "Currency codes; none means every currency."},
        array(
            "One entry per currency.",
            obj(
                "A currency.",
                {
                    "currency": text("Code.", "BTC"),
                    "fiat": boolean("Fiat money.", False),
                    "precision": integer("Decimals on spot accounts.", 8),
                    "walletPrecision": integer("Decimals in the wallet.", 8),
                    "walletDeposit": boolean("Wallet deposits open.", True),
                    "walletWithdrawal": boolean("Wallet withdrawals open.", True),
                },
            ),
        ),
        {"currencies": ["BTC", "USD"]},
    ),
    "get_processing_info": ActionDoc(
        "Blockchains of each crypto currency (deposit and withdrawal conditions).",
        {"currencies": "Crypto currency codes; none means every one with a blockchain."},
        mapping(
            "Keyed by currency code.",
            "BTC",
            obj(
                "A currency's blockchains.",
                {
                    "name": text("Currency name.", "Bitcoin"),
                    "blockchains": mapping(
                        "Keyed by blockchain code.",
                        "bitcoin",
                        obj(
                            "One blockchain.",
                            {
                                "type": text("coin or token.", "coin"),
                                "deposit": choice("Deposits.", ("enabled", "disabled")),
                                "minDeposit": decimal("Smallest deposit.", "0.0001"),
                                "withdrawal": choice("Withdrawals.", ("enabled", "disabled")),
                                "minWithdrawal": decimal("Smallest withdrawal.", "0.001"),
                                "withdrawalFee": decimal("Flat withdrawal fee.", "0.0002"),
                                "withdrawalFeePercent": decimal("Withdrawal fee, percent.", "0"),
                                "depositConfirmations": integer("Confirmations needed.", 2),
                            },
                        ),
                    ),
                },
            ),
        ),
        {"currencies": ["BTC"]},
        ("Request contains unsupported currencies: USD.",),
    ),
    "get_ticker": ActionDoc(
        "Best prices, last trade and 24-hour figures per pair.",
        {"pairs": "Pairs; none means every pair (unknown pairs are left out)."},
        mapping(
            "Keyed by pair id.",
            "BTC-USD",
            obj(
                "A pair's ticker.",
                {
                    "bestBid": decimal("Best bid.", "97250.0", nullable=True),
                    "bestAsk": decimal("Best ask.", "97260.0", nullable=True),
                    "bestBidChange": decimal("Best bid change over 24 h.", "120.5", nullable=True),
                    "bestBidChangePercentage": decimal("The same, percent.", "0.12", nullable=True),
                    "bestAskChange": decimal("Best ask change over 24 h.", "118.0", nullable=True),
                    "bestAskChangePercentage": decimal("The same, percent.", "0.12", nullable=True),
                    "low": decimal("24-hour low.", "96100.0", nullable=True),
                    "high": decimal("24-hour high.", "97800.0", nullable=True),
                    "volume": decimal("24-hour base volume.", "3.41200000", nullable=True),
                    "quoteVolume": decimal("24-hour quote volume.", "331807.12", nullable=True),
                    "volume30d": decimal("30-day base volume.", "95.10000000", nullable=True),
                    "lastTradeVolume": decimal(
                        "Base amount of the last trade.", "0.01", nullable=True
                    ),
                    "last": decimal("Last price.", "97255.0", nullable=True),
                    "lastTradePrice": decimal("Last trade's price.", "97255.0", nullable=True),
                    "priceChange": decimal("Price change over 24 h.", "150.0", nullable=True),
                    "priceChangePercentage": decimal("The same, percent.", "0.15", nullable=True),
                    "lastTradeDateISO": text(
                        "Last trade time.", "2025-11-29T23:59:12.345Z", nullable=True
                    ),
                    "volumeUSD": decimal("24-hour volume in USD.", "331807.12"),
                },
            ),
        ),
        {"pairs": ["BTC-USD"]},
    ),
    "get_order_book": ActionDoc(
        "A pair's order book, aggregated by price, best first.",
        {"pair": PAIR},
        obj(
            "The book.",
            {
                "timestamp": integer("When (epoch ms).", 1764460800000),
                "currency1": text("Base currency.", "BTC"),
                "currency2": text("Quote currency.", "USD"),
                "bids": array(
                    "`[price, amount]`, highest first.",
                    array("A level.", decimal("Price, then amount.", "97250.0")),
                ),
                "asks": array(
                    "`[price, amount]`, lowest first.",
                    array("A level.", decimal("Price, then amount.", "97260.0")),
                ),
            },
        ),
        {"pair": "BTC-USD"},
        (PairNotFoundError("Unsupported pair XYZ-USD"),),
    ),
    "get_trade_history": ActionDoc(
        "A pair's trades, oldest first.",
        {
            "pair": PAIR,
            "side": "Only trades whose taker bought (BUY) or sold (SELL).",
            "fromDateISO": "From this moment (ISO 8601 or epoch ms); not with trade ids.",
            "toDateISO": "Until this moment (ISO 8601 or epoch ms); not with trade ids.",
            "fromTradeId": "From this trade id (`<ms>-<sequence>`).",
            "toTradeId": "Until this trade id.",
            "pageSize": "Trades per page (default 1000 public / 100 signed; capped at 10000 / 1000).",
        },
        obj(
            "A page of trades.",
            {
                "pageSize": integer("The page size used.", 5),
                "trades": array(
                    "Trades, oldest first.",
                    obj(
                        "A trade.",
                        {
                            "tradeId": text("`<ms>-<sequence>`.", "1764460790000-311"),
                            "dateISO": text("When.", "2025-11-29T23:59:50.000Z"),
                            "side": choice("The taker's side.", ("BUY", "SELL")),
                            "price": decimal("Price.", "97255.0"),
                            "amount": decimal("Base amount.", "0.01000000"),
                        },
                    ),
                ),
            },
        ),
        {"pair": "BTC-USD", "pageSize": 5},
        ("Trade ids and dates cannot be combined",),
    ),
    "get_candles": ActionDoc(
        "Candles of the best bid or best ask, with traded volume, oldest first.",
        {
            "pair": "One pair (answer: an array); or use pairsList.",
            "pairsList": "Several pairs (answer: an object keyed by pair; limit must be 1).",
            "fromISO": "Start (ISO 8601 or epoch ms, inclusive).",
            "toISO": "End (ISO 8601 or epoch ms, exclusive).",
            "limit": "How many candles (not with both fromISO and toISO; default 100 with one of them).",
            "dataType": "bestBid or bestAsk: which price the candles follow.",
            "resolution": "Candle length.",
        },
        one_of(
            "An array for `pair`; for `pairsList` an object keyed by pair (an unknown pair gets an error entry).",
            array("Candles, oldest first.", CANDLE),
            mapping(
                "Keyed by pair id.",
                "BTC-USD",
                one_of(
                    "The pair's candles, or why there are none.",
                    array("Candles.", CANDLE),
                    obj(
                        "An unknown pair.",
                        {
                            "error": obj(
                                "The refusal.",
                                {
                                    "code": integer("Always 400.", 400),
                                    "reason": text("Why.", "Unsupported pair XYZ-USD"),
                                },
                            )
                        },
                    ),
                ),
            ),
        ),
        {"pair": "BTC-USD", "resolution": "1h", "dataType": "bestBid", "limit": 3},
        (PairNotFoundError("Unsupported pair XYZ-USD"),),
    ),
    "get_my_current_fee": ActionDoc(
        "My fee rates now, per pair (percentages: `0.25` = 0.25 %).",
        {"pairs": "Pairs; none means every pair (unknown pairs are left out)."},
        obj(
            "Fees.",
            {
                "tradingFee": mapping(
                    "Keyed by pair id.",
                    "BTC-USD",
                    obj(
                        "A pair's rates.",
                        {
                            "percent": decimal("Taker rate (what ccxt reads).", "0.25"),
                            "makerPercent": decimal("Maker rate.", "0.15"),
                            "takerPercent": decimal("Taker rate.", "0.25"),
                        },
                    ),
                )
            },
        ),
        {"pairs": ["BTC-USD"]},
    ),
    "get_fee_strategy": ActionDoc(
        "The whole fee schedule: tiers by 30-day volume, pair groups, weekend and weekday schedules.",
        {},
        obj(
            "The schedule.",
            {
                "strategyConfig": obj(
                    "Schedules by precedence: weekday over pair group over default.",
                    {
                        "default": FEE_SCHEDULE,
                        "perTier": FEE_GROUPS,
                        "perWeekend": obj(
                            "Saturday and Sunday.",
                            {"default": FEE_SCHEDULE, "perTier": FEE_GROUPS},
                            optional=("default", "perTier"),
                        ),
                        "perWeekday": array(
                            "Every weekday schedule (extension).",
                            obj(
                                "A weekday schedule.",
                                {
                                    "name": text("Name.", "Weekend"),
                                    "weekdays": array("Days (Monday = 0).", integer("A day.", 5)),
                                    "pairGroup": text(
                                        "Pair group code, or null for every pair.",
                                        None,
                                        nullable=True,
                                    ),
                                    "schedule": FEE_SCHEDULE,
                                },
                            ),
                        ),
                    },
                    optional=("perTier", "perWeekend", "perWeekday"),
                )
            },
        ),
    ),
    "get_my_volume": ActionDoc(
        "My 30-day traded volume in USD (it sets my fee tier).",
        {},
        obj(
            "Volume.",
            {
                "period": choice("Always 30d.", ("30d",)),
                "volume": decimal("USD.", "125000"),
                "currency": choice("Always USD.", ("USD",)),
            },
        ),
    ),
    "do_create_account": ActionDoc(
        "Create a sub-account (idempotent: an existing name is answered and nothing is created).",
        {
            "accountId": "The new sub-account's id.",
            "currency": "A currency for it (any listed one).",
        },
        obj("The account.", {"accountId": text("Its id.", "bot2")}),
        {"accountId": "bot2", "currency": "USD"},
        (
            InvalidAccountNameError,
            AccountLimitError,
            UnsupportedCurrencyError("Unsupported currency XYZ"),
        ),
    ),
    "get_my_account_status_v3": ActionDoc(
        'Balances of my spot accounts (the main account is `""`).',
        {"currencies": "Currency codes; none means every currency.", "accountIds": ACCOUNT_LIST},
        obj(
            "Balances.",
            {
                "convertedCurrency": choice("Currency of balanceInConvertedCurrency.", ("USD",)),
                "balancesPerAccounts": mapping(
                    "Keyed by account id.", "bot1", mapping("Keyed by currency.", "USD", BALANCE)
                ),
            },
        ),
        {"currencies": ["USD", "BTC"], "accountIds": ["bot1"]},
    ),
    "get_my_wallet_balance": ActionDoc(
        "Balances of my wallet.",
        {},
        mapping(
            "Keyed by currency.",
            "USD",
            obj(
                "A wallet balance.",
                {
                    "balance": _balance("Total.", "79950.00"),
                    "balanceOnHold": _balance("Always 0 (nothing is held in the wallet).", "0.00"),
                },
            ),
        ),
    ),
    "do_deposit_funds_from_wallet": ActionDoc(
        "Move funds from my wallet to a sub-account (settles at once).",
        {
            "clientTxId": "Your id for the transfer; a second transfer with it is refused.",
            "accountId": "The sub-account.",
            "currency": "Currency code.",
            "amount": "How much (at most the currency's precision).",
        },
        obj(
            "The transfer.",
            {
                "accountId": text("The sub-account.", "bot1"),
                "clientTxId": text("Your id.", "deposit-0001"),
                "currency": text("Currency.", "USD"),
                "status": choice("Always approved (transfers settle at once).", ("approved",)),
                "transactionId": integer(
                    "The journal transaction; the same number in the histories (transactionId, txId).",
                    5120,
                ),
            },
        ),
        {"clientTxId": "deposit-0001", "accountId": "bot1", "currency": "USD", "amount": "100"},
        (
            InsufficientFundsError,
            AmountPrecisionError("Amount has more than 2 decimal places for USD"),
            ClientTxIdConflictError,
            AccountNotFoundError("Account bot9 does not exist"),
            MainAccountNotAllowedError,
        ),
    ),
    "do_withdrawal_funds_to_wallet": ActionDoc(
        "Move funds from a sub-account to my wallet (settles at once).",
        {
            "clientTxId": "Your id for the transfer; a second transfer with it is refused.",
            "accountId": "The sub-account.",
            "currency": "Currency code.",
            "amount": "How much (at most the currency's precision).",
        },
        obj(
            "The transfer.",
            {
                "accountId": text("The sub-account.", "bot1"),
                "clientTxId": text("Your id.", "withdraw-0001"),
                "currency": text("Currency.", "USD"),
                "status": choice("Always approved (transfers settle at once).", ("approved",)),
                "transactionId": integer(
                    "The journal transaction; the same number in the histories (transactionId, txId).",
                    5121,
                ),
            },
        ),
        {"clientTxId": "withdraw-0001", "accountId": "bot1", "currency": "USD", "amount": "50"},
        (
            InsufficientFundsError,
            AmountPrecisionError("Amount has more than 2 decimal places for USD"),
            ClientTxIdConflictError,
            AccountNotFoundError("Account bot9 does not exist"),
        ),
    ),
    "do_my_internal_transfer": ActionDoc(
        "Move funds between two of my sub-accounts.",
        {
            "fromAccountId": "Source sub-account.",
            "toAccountId": "Target sub-account (must exist).",
            "currency": "Currency code.",
            "amount": "How much (at most the currency's precision).",
            "clientTxId": "Optional idempotency key: a repeat returns the first transactionId and moves nothing.",
        },
        obj(
            "The transfer.",
            {
                "transactionId": integer(
                    "The journal transaction; the same number in get_my_transaction_history.", 5122
                )
            },
        ),
        {
            "fromAccountId": "bot1",
            "toAccountId": "bot2",
            "currency": "USD",
            "amount": "25.5",
            "clientTxId": "internal-0001",
        },
        (
            InsufficientFundsError,
            SameAccountError,
            AmountPrecisionError("Amount has more than 2 decimal places for USD"),
            AccountNotFoundError("Account bot9 does not exist"),
            ClientTxIdConflictError,
        ),
    ),
    "get_my_transaction_history": ActionDoc(
        "Journal entries on my spot accounts, newest first; amounts signed (negative = debit).",
        {
            "pageSize": f"{PAGE_SIZE} At most 100.",
            "pageNumber": HISTORY_PAGE_NUMBER,
            "accountId": 'One account (`""` or null = main); missing = every account.',
            "currency": "Only this currency.",
            "dateFrom": DATE_FROM,
            "dateTo": DATE_TO,
            "type": 'Only this kind of operation (`""` = all).',
            "sortOrder": "ASC or DESC (default).",
        },
        array(
            "Entries.",
            obj(
                "One leg of a journal transaction on one of my accounts.",
                {
                    "transactionId": integer(
                        "The journal transaction (a transfer's reply names it; its legs share it).",
                        5122,
                    ),
                    "timestamp": text("When (ISO 8601).", "2025-11-30T00:00:01.250Z"),
                    "accountId": text('The account (`""` = main).', "bot1"),
                    "type": choice(
                        "Operation.",
                        ("trade", "commission", "deposit", "withdraw", "internalTransfer"),
                        "internalTransfer",
                    ),
                    "amount": decimal("Signed amount.", "-25.50"),
                    "details": text("Description.", "Internal transfer bot1 -> bot2"),
                    "currency": text("Currency.", "USD"),
                },
            ),
        ),
        {"accountId": "bot1", "currency": "USD", "pageSize": 5},
    ),
    "get_my_funding_history": ActionDoc(
        "Wallet <-> sub-account transfers, newest first.",
        {
            "pageSize": f"{PAGE_SIZE} At most 100.",
            "pageNumber": HISTORY_PAGE_NUMBER,
            "accountId": 'One account (`""` or null = main); missing = every account.',
            "currency": "Only this currency.",
            "dateFrom": DATE_FROM,
            "dateTo": DATE_TO,
            "txId": "Only this transaction (a transfer's transactionId).",
            "direction": 'deposit, withdraw, or `""` for both.',
        },
        array(
            "Transfers.",
            obj(
                "A wallet transfer.",
                {
                    "txId": integer(
                        "The journal transaction (= the transfer reply's transactionId).", 5121
                    ),
                    "clientId": text("Your client id.", "up123456"),
                    "accountId": text("The sub-account.", "bot1", nullable=True),
                    "currency": text("Currency.", "USD"),
                    "direction": choice(
                        "deposit (into the sub-account) or withdraw.",
                        ("deposit", "withdraw"),
                        "withdraw",
                    ),
                    "amount": decimal("Amount.", "50.00"),
                    "commissionAmount": decimal("Fee (always 0).", "0.00"),
                    "status": choice("Always approved.", ("approved",)),
                    "updatedAt": text("When (ISO 8601).", "2025-11-30T00:00:01.100Z"),
                    "clientTxId": text("Your id.", "withdraw-0001", nullable=True),
                    "details": obj("Always empty.", {}),
                },
            ),
        ),
        {"accountId": "bot1", "pageSize": 5},
    ),
    "get_deposit_address": ActionDoc(
        "A sub-account's deposit address for a currency (it keeps the first one it gets).",
        {
            "accountId": "The sub-account (not main).",
            "currency": "Currency code.",
            "blockchain": "Blockchain code; null or missing = the currency's default.",
        },
        obj(
            "The address.",
            {
                "accountId": text("The sub-account.", "bot1"),
                "address": text("Address.", "bc1qdemo0000000000000000000000000000000001"),
                "currency": text("Currency.", "BTC"),
                "blockchain": text("Blockchain.", "bitcoin"),
                "memo": text("Memo / destination tag, when the blockchain needs one.", "104233"),
            },
            optional=("memo",),
        ),
        {"accountId": "bot1", "currency": "BTC", "blockchain": "bitcoin"},
        (
            MainAccountDepositAddressError,
            BlockchainNotSupportedError,
            DepositAddressUnavailableError,
            AccountNotFoundError("Account bot9 does not exist"),
        ),
    ),
    "do_my_new_order": ActionDoc(
        "Place an order on a sub-account. A refused order is answered 200 with status REJECTED.",
        {
            "clientOrderId": "Your id; the same id with the same parameters within 24 h returns the first order.",
            "accountId": "The sub-account (orders need one).",
            "currency1": "Base currency.",
            "currency2": "Quote currency.",
            "side": "BUY or SELL.",
            "orderType": "Limit, Market or Stop Limit.",
            "timestamp": "Your clock (epoch ms), within 30 s of the server's.",
            "timeInForce": "GTC (default), IOC, FOK or GTD.",
            "comment": "Free text, kept with the order.",
            "amountCcy1": "Base amount (a multiple of the pair's lot size).",
            "amountCcy2": "Quote amount (market buys only).",
            "price": "Limit price (Limit and Stop Limit; a multiple of the tick).",
            "stopPrice": "Trigger price (Stop Limit).",
            "expireTime": "Expiry (epoch ms; GTD only).",
            "type": "`Stop Limit` with orderType Limit (ccxt's spelling of a stop-limit order).",
        },
        EXECUTION_REPORT,
        {
            "clientOrderId": "my-order-0001",
            "accountId": "bot1",
            "currency1": "BTC",
            "currency2": "USD",
            "side": "BUY",
            "orderType": "Limit",
            "timeInForce": "GTC",
            "amountCcy1": "0.001",
            "price": "90000",
            "timestamp": NOW_MS,
        },
        (
            "Mandatory parameter price is missing",
            MainAccountOrderError,
            ClientOrderIdConflictError,
            PairNotFoundError("Unsupported pair XYZ-USD"),
            "(answered 200, status REJECTED) rejectReason: Insufficient funds",
            "(answered 200, status REJECTED) rejectReason: <rule> check failed: …",
            "(answered 200, status REJECTED) rejectReason: Too many active orders",
        ),
    ),
    "get_my_orders": ActionDoc(
        "My open orders (or archived ones), newest first.",
        {
            "clientOrderId": "Only the order with this client id.",
            "orderId": "Only the order with this id.",
            "archived": "true for final orders (then serverCreateTimestampFrom is required).",
            "pair": "Only this pair.",
            "side": "Only BUY or SELL.",
            "accountIds": ACCOUNT_LIST,
            "serverCreateTimestampFrom": "Created from (epoch ms); at most 365 days before To.",
            "serverCreateTimestampTo": "Created until (epoch ms).",
            "sortOrder": "ASC or DESC (default).",
            "pageSize": f"{PAGE_SIZE} At most 1000.",
            "pageNumber": "Page number, from 0.",
        },
        array("Orders.", ORDER),
        {"clientOrderId": "my-order-0001"},
        (
            "Mandatory parameter serverCreateTimestampFrom is missing",
            "Time range between serverCreateTimestampFrom and To is limited to 365 days",
        ),
    ),
    "do_cancel_my_order": ActionDoc(
        "Cancel one of my open orders; its remaining hold is released before the answer.",
        {
            "orderId": "The order's id (or clientOrderId, not both).",
            "clientOrderId": "The order's client id (or orderId, not both).",
            "cancelRequestId": "Your id for this cancel request.",
            "timestamp": "Your clock (epoch ms).",
        },
        obj("Empty on success.", {}),
        {"clientOrderId": "my-order-0001", "cancelRequestId": "cancel-0001", "timestamp": NOW_MS},
        (OrderNotFoundError, OrderFinalError, OrderCancelNotAllowedError),
    ),
    "do_cancel_all_orders": ActionDoc(
        "Cancel all my open orders, or those of some sub-accounts.",
        {"accountIds": ACCOUNT_LIST},
        obj(
            "What was cancelled.",
            {
                "clientOrderIds": array(
                    "Client ids of the cancelled orders.", text("A client id.", "my-order-0002")
                )
            },
        ),
        {"accountIds": ["bot1"]},
    ),
}
