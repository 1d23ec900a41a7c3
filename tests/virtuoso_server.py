"""A real Virtuoso (Debian's ``virtuoso-opensource``) for tests: its own database in a temporary
folder, its SQL and HTTP ports on free ports of 127.0.0.1, stopped with SIGTERM after.

Reusable outside pytest::

    with start_virtuoso(tmp_path) as virtuoso:
        virtuoso.base          # "http://127.0.0.1:PORT"
        virtuoso.query_url     # base + "/sparql"
        virtuoso.store_url     # "sparql+" + query_url, for open_store / --store

or ``base, stop = start_virtuoso(tmp_path).start()`` … ``stop()``.

The instance is as Debian installs it: a fresh database whose ``dba`` password is ``dba``, the
anonymous ``/sparql`` endpoint without the SPARQL_UPDATE grant (so updates go to
``/sparql-auth`` with HTTP Digest as dba/dba), ``ResultSetMaxRows`` raised from 10,000 so that a
big view is not cut short silently. Install it with ``apt-get install -y virtuoso-opensource``;
:func:`virtuoso_installed` says whether it is here, for ``pytest.mark.skipif``.
"""

from __future__ import annotations

import configparser
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.oxigraph_server import free_port
from tests.readiness import wait_until_ready

DEBIAN_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DBA_USER = "dba"
DBA_PASSWORD = "dba"
#: Virtuoso takes 2-3 s to answer on an idle machine; a loaded 2-core box can take far longer.
START_DEADLINE = 180.0


def virtuoso_installed() -> bool:
    return shutil.which("virtuoso-t") is not None and DEBIAN_INI.exists()


class VirtuosoServer:
    """One ``virtuoso-t +foreground`` in ``folder`` (created if missing). A context manager;
    :meth:`start` returns ``(base_url, stop)`` for callers that are not."""

    def __init__(self, folder: Path, *, result_set_max_rows: int = 1_000_000):
        self.folder = Path(folder)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.base}/sparql"
        self.auth_url = f"{self.base}/sparql-auth"
        self.store_url = f"sparql+{self.query_url}"
        self.result_set_max_rows = result_set_max_rows
        self._process: subprocess.Popen | None = None

    def _write_ini(self) -> Path:
        ini = configparser.ConfigParser(strict=False, interpolation=None,
                                        inline_comment_prefixes=(";",))
        ini.optionxform = str  # Virtuoso's keys are case-sensitive as written
        ini.read(DEBIAN_INI)
        db = self.folder
        ini["Database"].update({
            "DatabaseFile": str(db / "virtuoso.db"), "ErrorLogFile": str(db / "virtuoso.log"),
            "LockFile": str(db / "virtuoso.lck"), "TransactionFile": str(db / "virtuoso.trx"),
            "xa_persistent_file": str(db / "virtuoso.pxa"),
        })
        ini["TempDatabase"].update({
            "DatabaseFile": str(db / "virtuoso-temp.db"),
            "TransactionFile": str(db / "virtuoso-temp.trx"),
        })
        ini["Parameters"]["ServerPort"] = f"127.0.0.1:{self.sql_port}"
        ini["Parameters"]["DirsAllowed"] = f"., {db}, /usr/share/virtuoso-opensource-7/vad"
        ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{self.http_port}"
        ini["URIQA"]["DefaultHost"] = f"127.0.0.1:{self.http_port}"
        ini["SPARQL"]["ResultSetMaxRows"] = str(self.result_set_max_rows)
        path = db / "virtuoso.ini"
        with path.open("w") as out:
            ini.write(out)
        return path

    def __enter__(self) -> VirtuosoServer:
        if not virtuoso_installed():
            raise RuntimeError("Virtuoso is missing: apt-get install -y virtuoso-opensource")
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self._write_ini()
        self._process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            wait_until_ready(self.query_url, self._process, within=START_DEADLINE)
        except BaseException:
            self.stop()
            raise
        return self

    def start(self) -> tuple[str, Callable[[], None]]:
        self.__enter__()
        return self.base, self.stop

    def isql(self, sql: str) -> str:
        """Run SQL as dba through ``isql-vt`` (for example ``GRANT SPARQL_UPDATE TO "SPARQL"``)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", DBA_USER, DBA_PASSWORD, f"exec={sql}"],
            capture_output=True, text=True, timeout=120, check=True,
        )
        return done.stdout

    def stop(self) -> None:
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

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_virtuoso(folder: Path, **options: int) -> VirtuosoServer:
    """A Virtuoso with its database in ``folder``, not yet started: use ``with`` (it starts on
    entry and stops on exit) or ``.start()`` for ``(base_url, stop)``."""
    return VirtuosoServer(folder, **options)
