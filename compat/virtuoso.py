"""compat's Virtuoso: the tests' one (``tests/virtuoso_server.py``: Debian's
``virtuoso-opensource``, its database in a temporary folder, its ports on 127.0.0.1), with the
anonymous ``/sparql`` endpoint given the ``SPARQL_UPDATE`` grant, because comgraph's remote store
writes there (``/sparql-auth`` takes HTTP Digest only), and the Graph Store URL and version that
compat's matrix reports. Install it with ``apt-get install -y virtuoso-opensource``.
"""

from __future__ import annotations

import subprocess

from tests.virtuoso_server import VirtuosoServer as _TestVirtuoso
from tests.virtuoso_server import virtuoso_installed

__all__ = ["VirtuosoServer", "virtuoso_installed"]


class VirtuosoServer(_TestVirtuoso):
    """A context manager; on entry the anonymous endpoint may update."""

    def __init__(self, folder) -> None:
        super().__init__(folder)
        self.graph_store_url = f"{self.base}/sparql-graph-crud"

    def __enter__(self) -> VirtuosoServer:
        super().__enter__()
        try:
            self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        except BaseException:
            self.stop()
            raise
        return self

    def version(self) -> str:
        done = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=30)
        for line in (done.stdout + done.stderr).splitlines():
            if "Version" in line:
                return "Virtuoso " + line.split("Version", 1)[1].split()[0]
        return "Virtuoso (version unknown)"
