"""A free loopback port for a server a test starts right after (the same helper for every such test)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the kernel picks it; it may be taken again
    later, which is why a test starts its server right after asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
