"""Action handlers, one module per area. Every module in this package is imported here at start-up (from
`GatewayConfig.ready`), which registers its `@action`s: adding `gateway/actions/<area>.py` needs no other edit.
See gateway/registry.py for how to write one.
"""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    importlib.import_module(f"{__name__}.{_module.name}")
