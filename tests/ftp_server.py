"""An FTP server for tests (Twisted's), on 127.0.0.1 only, serving one folder.

Run as ``python -m tests.ftp_server ROOT_DIR LOG_FILE``; it prints its port on the first line
of stdout. User ``feeds`` with password ``secret`` reads and writes ``ROOT_DIR``; every
connection and upload is appended to ``LOG_FILE`` (``connect``, ``STOR name``).
Passive data connections are opened on 127.0.0.1 too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from twisted.cred.checkers import InMemoryUsernamePasswordDatabaseDontUse
from twisted.cred.portal import Portal
from twisted.internet import reactor
from twisted.protocols.ftp import FTP, BaseFTPRealm, FTPFactory
from twisted.python.filepath import FilePath

USER, PASSWORD = "feeds", "secret"


class Realm(BaseFTPRealm):
    """Every user's home is the served folder."""

    def __init__(self, root: Path) -> None:
        super().__init__(str(root))
        self.root = root

    def getHomeDirectory(self, avatarId: Any) -> FilePath[str]:
        return FilePath(str(self.root))


class LoggedFTP(FTP):
    """Twisted's FTP protocol, logging connections and uploads, listening on loopback only."""

    log: Path

    def connectionMade(self) -> None:
        self._note("connect")
        super().connectionMade()

    def ftp_STOR(self, path: str) -> Any:
        self._note(f"STOR {path}")
        return super().ftp_STOR(path)

    def listenFactory(self, port: int, factory: Any, interface: str = "") -> Any:
        return reactor.listenTCP(port, factory, interface="127.0.0.1")

    def _note(self, line: str) -> None:
        with self.log.open("a") as out:
            out.write(line + "\n")


def main() -> None:
    root, log = Path(sys.argv[1]), Path(sys.argv[2])
    checker = InMemoryUsernamePasswordDatabaseDontUse()
    checker.addUser(USER, PASSWORD)
    factory = FTPFactory(Portal(Realm(root), [checker]))
    LoggedFTP.log = log
    factory.protocol = LoggedFTP
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
