"""Serialising the state for a snapshot without holding the event loop.

At 100,000 incidents the state is ~70 MB of JSON: ``orjson`` takes ~0.3 s and zlib as
long again, and the reducer, /live and every callback would wait for both.  So the
snapshot is made the way Redis makes its own (BGSAVE): ``os.fork()`` gives a child a
copy-on-write image of the state at this instant (consistent: the loop is between
batches), the child serialises and compresses it and writes the blob to a pipe, and the
parent reads the pipe in a thread while the loop carries on.  The parent pays the fork
(page tables: a few milliseconds) and the reading.

Where fork is unavailable, or the child fails, the snapshot is made in the loop as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
import zlib

from dashboard import state as st

log = logging.getLogger("dashboard.snapshots")
HEADER = struct.Struct("!Q")  # the blob's length, before it
CHILD_TIMEOUT_S = 120.0


def compressed(state: st.State) -> bytes:
    """The snapshot blob (``json+zlib``) of ``state``, made here and now."""
    return zlib.compress(st.to_json(state), 1)


async def compressed_off_loop(state: st.State) -> bytes:
    """The snapshot blob of ``state`` as it is now, made by a forked child."""
    if not hasattr(os, "fork"):
        return compressed(state)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: serialise, write, leave without running any cleanup
        code = 1
        try:
            os.close(read_end)
            blob = compressed(state)
            with os.fdopen(write_end, "wb") as out:
                out.write(HEADER.pack(len(blob)))
                out.write(blob)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        blob = await asyncio.wait_for(asyncio.to_thread(_read_blob, read_end), CHILD_TIMEOUT_S)
    except (OSError, ValueError, TimeoutError) as exc:
        log.warning("snapshot child failed (%s); serialising in the loop", exc)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        blob = compressed(state)
    finally:
        await asyncio.to_thread(_reap, pid)
    return blob


def _read_blob(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        head = pipe.read(HEADER.size)
        if len(head) != HEADER.size:
            raise ValueError("the snapshot child wrote nothing")
        (size,) = HEADER.unpack(head)
        blob = pipe.read(size)
    if len(blob) != size:
        raise ValueError(f"the snapshot child wrote {len(blob)} of {size} bytes")
    return blob


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
