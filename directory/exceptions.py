"""What the directory refuses."""
from __future__ import annotations


class DirectoryError(ValueError):
    """An import or update that cannot be applied; the message names the row and the field. Nothing was stored."""
