from __future__ import annotations

import pytest

from psm.lib.clientip import forwarded_client


@pytest.mark.parametrize(
    ("remote", "header", "proxies", "expected"),
    [
        ("198.51.100.1", "", 0, "198.51.100.1"),
        ("198.51.100.1", "1.2.3.4", 0, "198.51.100.1"),  # no proxy: the header is a lie
        ("10.0.0.1", "1.2.3.4", 1, "1.2.3.4"),
        ("10.0.0.1", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),  # leftmost written by the client
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.1", 2, "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4", 2, "1.2.3.4"),  # fewer hops than proxies: the earliest
        ("10.0.0.1", "not-an-address", 1, "10.0.0.1"),
        ("10.0.0.1", "", 1, "10.0.0.1"),
        ("10.0.0.1", "2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_forwarded_client(remote: str, header: str, proxies: int, expected: str) -> None:
    assert forwarded_client(remote, header, proxies) == expected
