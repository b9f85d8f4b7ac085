"""Real index software behind a real proxy, for ``tests/integration/test_real_servers.py``.

The rig in ``tests/gitlab`` is ours; these are servers nobody here wrote, run
the way people deploy them: nginx (Debian's package) in front, one
``location`` per tenant with its own ``auth_basic_user_file``, proxying to
pypiserver (two instances) and devpi-server (two indexes, one inheriting the
other), both from PyPI in a venv of their own (``tools/setup.d/20-servers.sh``).

nginx's access log is the witness: it records ``$remote_user`` and a *label*
of the ``Authorization`` header found through an nginx ``map`` of the exact
header values we issued, so the log says which token each request carried
without ever holding a secret.
"""

from tests.realservers.servers import (
    AccessEntry,
    DevpiStack,
    Nginx,
    PypiserverStack,
    ServerUnavailable,
    Tenant,
    devpi_stack,
    pypiserver_stack,
    require_tools,
)

__all__ = [
    "AccessEntry",
    "DevpiStack",
    "Nginx",
    "PypiserverStack",
    "ServerUnavailable",
    "Tenant",
    "devpi_stack",
    "pypiserver_stack",
    "require_tools",
]
