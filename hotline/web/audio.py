"""A recording's bytes as an HTTP answer: ``audio/wav`` in one byte range (RFC 7233, ``recording.listening.ranges``)
or whole, read through the store port in chunks, never cached by the browser (``no-store``).

``inline`` always, unless the caller asks for an attachment (a copy the profile allows); HEAD gets the headers
only. The audit row is written by the caller before this sends anything (``hotline.web.audit.record_now``): a
stream is on its way before a handler returns.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from core.ports import RecordingStore
from hotline.web.errors import error_response
from hotline.web.routes import Status
from recording import RangeNotSatisfiable, chunks, parse_range

AUDIO = "audio/wav"
AUDIO_HEADERS = {"Accept-Ranges": "bytes", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
PARTIAL = Status("the byte range asked for (Range: bytes=a-b, a- or -n; one range; several are answered whole, "
                 "200)", body=None, content_type=AUDIO,
                 headers={"Content-Range": "bytes a-b/size", "Accept-Ranges": "bytes"})
UNSATISFIABLE = Status("the range lies outside the file", headers={"Content-Range": "bytes */size"})

Recorder = Callable[[int], Awaitable[None]]   # writes the request's audit row with the status about to be sent


async def stream(request: web.Request, store: RecordingStore, key: str, size: int, *, filename: str,
                 record: Recorder, attachment: bool = False,
                 headers: Mapping[str, str] | None = None) -> web.StreamResponse:
    """Answer ``key`` of ``store`` (``size`` bytes) as the request's Range asks."""
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        await record(416)
        return error_response(416, "range_not_satisfiable",
                              f"the range {request.headers.get('Range')!r} lies outside the file's {size} bytes; "
                              "ask for bytes=0- or leave Range out", headers={"Content-Range": f"bytes */{size}"})
    status, start, length = (200, 0, size) if wanted is None else (206, wanted.start, wanted.length)
    response = web.StreamResponse(status=status, headers={
        **AUDIO_HEADERS, **(headers or {}), "Content-Type": AUDIO,
        "Content-Disposition": f'{"attachment" if attachment else "inline"}; filename="{filename}"'})
    if wanted is not None:
        response.headers["Content-Range"] = wanted.content_range(size)
    response.content_length = length
    await record(status)
    await response.prepare(request)
    if request.method != "HEAD":
        async for data in chunks(store, key, start, length):
            await response.write(data)
    await response.write_eof()
    return response
