"""Paths the sandbox's uid cannot walk to on the host, made reachable for one run.

As root, a run starts as its slot's unprivileged uid before bubblewrap sets up its mounts, so bwrap opens
every path it binds with that uid's rights: a checkout under root's 0700 home (or any private directory)
would be refused ("Can't find source path ...: Permission denied"). For those paths only, the run starts in a
private mount namespace of its own where each one is first bound, as root, below a staging directory whose
parents anyone may walk; bwrap then binds it from there to the same place inside the sandbox. Nothing
changes on the host: the namespace and its mounts end with the run.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path

STAGE = Path(tempfile.gettempdir()) / "grader-stage"


def reachable(path: Path, uid: int) -> bool:
    """True when `uid` (with its own group only, as a slot runs) can walk every directory down to `path`."""
    for parent in reversed(Path(path).parents):
        try:
            st = parent.stat()
        except OSError:
            return False
        walk = (st.st_uid == uid and st.st_mode & 0o100) or (st.st_gid == uid and st.st_mode & 0o010) \
            or st.st_mode & 0o001
        if not walk:
            return False
    return True


def staged(sources: list[Path], uid: int) -> tuple[dict[Path, Path], list[str]]:
    """For the `sources` that `uid` cannot reach: where each one will be seen from (a path below STAGE), and
    the command prefix that makes it so (run as root; it execs the rest of the command line). Both empty when
    every source is reachable."""
    hidden = [src for src in dict.fromkeys(sources) if not reachable(src, uid)]
    if not hidden:
        return {}, []
    STAGE.mkdir(mode=0o755, exist_ok=True)
    os.chmod(STAGE, 0o755)  # the mount point's own mode is hidden by the tmpfs; its parents must be walkable
    steps = [f"mount -t tmpfs -o mode=0755,size=64k grader-stage {shlex.quote(str(STAGE))}"]
    where: dict[Path, Path] = {}
    for number, src in enumerate(hidden):
        target = STAGE / str(number)
        make = "mkdir" if src.is_dir() else "touch"
        steps += [f"{make} {shlex.quote(str(target))}",
                  f"mount --bind {shlex.quote(str(src))} {shlex.quote(str(target))}"]
        where[src] = target
    script = " && ".join([*steps, 'exec "$@"'])
    return where, ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh"]
