"""Files and paths through os."""

from __future__ import annotations

import os
import tempfile

from . import fallback


@fallback("fs.rename_replaces")
def rename_replaces() -> tuple[object, str]:
    with tempfile.TemporaryDirectory(prefix="pm-rename-") as tmp:
        src, dst = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        for path, text in ((src, "a"), (dst, "b")):
            with open(path, "w") as f:
                f.write(text)
        try:
            os.rename(src, dst)
        except OSError as exc:
            return "refused", f"os.rename: {type(exc).__name__}: {exc.strerror}"
    return "replaced", "os.rename over an existing file succeeded"
