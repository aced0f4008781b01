"""The matcher: one writer per pair. Doors submit commands (`submit`); the pair's writer runs them in batches
(`runner.Runner`, one transaction each) through `trading.persistence`, and answers after the commit.

    reply = transport.submit(PlaceOrder(symbol="BTC-USD", ...))   # raises the command's domain error, or
                                                        # TradingUnavailableError after a bounded wait

Where the writer runs is the transport's business (`transport.py`): in the web process (`embedded`, the
default) or in `manage.py matcher` processes fed through Redis Streams (`redis`), pairs partitioned across them
(`process.py`).
"""
