"""``service``: a system service is running (and enabled at boot).

.. code-block:: yaml

    check:
      service:
        name: nginx          # required: the service's name for the init system
        running: true        # optional, default true (false: must be stopped)
        enabled: true        # optional: started at boot (false: must not be)

Asks the host's init system through pytest-testinfra (systemd, SysV ``service``,
OpenRC, upstart, the BSDs): on the item's target hosts with ``on:``, else on this
machine. Needs ``pip install 'pytest-deploycheck[hosts]'``.
Evidence: ``service``, ``running``, ``enabled``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..context import CheckContext
from ..errors import CheckFailed
from ..hosts.targets import target_of
from ..registry import check_type


@dataclass(frozen=True)
class Service:
    name: str
    running: bool | None = True
    enabled: bool | None = None


def _yes(value: bool) -> str:
    return "yes" if value else "no"


@check_type("service", read_only=True, on_hosts=True)
def run(spec: Service, ctx: CheckContext) -> None:
    """A service is running (or stopped) and enabled at boot (or not)."""
    target = target_of(ctx.host)

    def probe(host: Any) -> dict[str, bool]:
        service = host.service(spec.name)
        found = {}
        if spec.running is not None:
            found["running"] = bool(service.is_running)
        if spec.enabled is not None:
            found["enabled"] = bool(service.is_enabled)
        return found

    found: dict[str, bool] = target.use(probe)
    ctx.record(service=spec.name, **{k: _yes(v) for k, v in found.items()})
    for state, wanted in (("running", spec.running), ("enabled", spec.enabled)):
        if wanted is not None and found[state] != wanted:
            raise CheckFailed(f"expected service {spec.name} {'' if wanted else 'not '}{state} "
                              f"on {target.name}; it is {'not ' if wanted else ''}{state}")
