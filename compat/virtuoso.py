"""A Virtuoso of compat's own (Debian's ``virtuoso-opensource``): its database in a temporary
folder, its SQL and HTTP ports on free ports of 127.0.0.1, stopped with SIGTERM.

Minimal on purpose: another change brings ``tests/virtuoso_server.py`` with the same interface
(``query_url``, ``store_url``, ``isql``); when it lands, compat uses that one instead.

The instance is as Debian installs it (the ``dba`` password is ``dba``), with two changes:
``ResultSetMaxRows`` raised from 10,000 so that no answer is cut short silently, and the anonymous
``/sparql`` endpoint given the ``SPARQL_UPDATE`` grant, because comgraph's remote store writes
there (``/sparql-auth`` takes HTTP Digest only). Install it with
``apt-get install -y virtuoso-opensource``.
"""

from __future__ import annotations

import configparser
import shutil
import signal
import subprocess
from pathlib import Path

from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

DEBIAN_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: Virtuoso answers in 2-3 s on an idle machine; a loaded 2-core box can take far longer.
START_DEADLINE = 180.0


def virtuoso_installed() -> bool:
    return shutil.which("virtuoso-t") is not None and DEBIAN_INI.exists()


class VirtuosoServer:
    """``virtuoso-t +foreground`` with its database in ``folder``. A context manager."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.base}/sparql"
        self.graph_store_url = f"{self.base}/sparql-graph-crud"
        self.store_url = f"sparql+{self.query_url}"
        self._process: subprocess.Popen | None = None

    def _write_ini(self) -> Path:
        ini = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";",))
        ini.optionxform = str  # Virtuoso's keys are case-sensitive as written
        ini.read(DEBIAN_INI)
        db = self.folder
        ini["Database"].update({
            "DatabaseFile": str(db / "virtuoso.db"), "ErrorLogFile": str(db / "virtuoso.log"),
            "LockFile": str(db / "virtuoso.lck"), "TransactionFile": str(db / "virtuoso.trx"),
            "xa_persistent_file": str(db / "virtuoso.pxa"),
        })
        ini["TempDatabase"].update({"DatabaseFile": str(db / "virtuoso-temp.db"),
                                    "TransactionFile": str(db / "virtuoso-temp.trx")})
        ini["Parameters"]["ServerPort"] = f"127.0.0.1:{self.sql_port}"
        ini["Parameters"]["DirsAllowed"] = f"., {db}, /usr/share/virtuoso-opensource-7/vad"
        ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{self.http_port}"
        ini["URIQA"]["DefaultHost"] = f"127.0.0.1:{self.http_port}"
        ini["SPARQL"]["ResultSetMaxRows"] = "1000000"
        path = db / "virtuoso.ini"
        with path.open("w") as out:
            ini.write(out)
        return path

    def __enter__(self) -> VirtuosoServer:
        if not virtuoso_installed():
            raise RuntimeError("Virtuoso is missing: apt-get install -y virtuoso-opensource")
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self._write_ini()
        self._process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)],
                                         cwd=self.folder, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        try:
            wait_until_ready(self.query_url, self._process, within=START_DEADLINE)
            self.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        except BaseException:
            self.__exit__()
            raise
        return self

    def isql(self, sql: str) -> str:
        """Run SQL as dba through ``isql-vt``."""
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stdout

    def version(self) -> str:
        done = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=30)
        for line in (done.stdout + done.stderr).splitlines():
            if "Version" in line:
                return "Virtuoso " + line.split("Version", 1)[1].split()[0]
        return "Virtuoso (version unknown)"

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=30)
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None
