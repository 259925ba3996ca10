"""The default recording store: a local directory, the PBX's own monitor directory, so files stay where the PBX
wrote them. A key is a file name in it, never a path: a key with a directory part is refused, so a crafted key
cannot reach outside."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from core.ports import RecordingFileMissing


class LocalDirectoryStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key in (".", ".."):
            raise ValueError("a recording key is a file name")
        return self.root / key

    def local_path(self, key: str) -> Path:
        """The file itself, for readers that need a path (the analysis's worker processes)."""
        return self._path(key)

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def read_range(self, key: str, start: int, length: int) -> bytes:
        with self.open(key) as file:
            file.seek(start)
            return file.read(length)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise RecordingFileMissing(key) from None

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True
