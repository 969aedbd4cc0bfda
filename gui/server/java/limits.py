"""The game port's time-outs and caps (the defaults suit a desktop server)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JavaLimits:
    """Time-outs and caps of the game port (the defaults suit a desktop server)."""

    handshake_s: float = 10.0  # handshake and status, or the login start
    login_s: float = 30.0  # login success to the play state
    keep_alive_s: float = 15.0  # how often a keep-alive goes out
    timeout_s: float = 30.0  # no answer (or no packet) for this long: "Timed out"
    connections_per_address: int = 32
    logins_per_second: float = 10.0  # per address, refilled continuously
    login_burst: int = 30  # logins an address may make at once
