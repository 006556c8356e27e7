"""A requests session for demo-trader's API, as the demo's scripts use it."""

from __future__ import annotations

import os

import requests

TIMEOUT = 10.0


def session(ca_bundle: str | None, token_variable: str = "TRADING_API_TOKEN"
            ) -> requests.Session:
    """Trusting ``ca_bundle`` (or the system's CAs), with the bearer token read from the
    process environment variable ``token_variable`` when it is set."""
    found = requests.Session()
    found.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify; no proxy on loopback
    found.verify = ca_bundle or True
    token = os.environ.get(token_variable)
    if token:
        found.headers["Authorization"] = f"Bearer {token}"
    return found
