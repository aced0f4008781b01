"""Key changes, published after commit (`common.events`): the WebSocket gateway closes the key's open sockets."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyChanged:
    """The key was deactivated, edited or deleted: what it was allowed to do may no longer hold."""

    public_id: str
