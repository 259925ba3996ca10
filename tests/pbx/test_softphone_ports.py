"""A sandbox softphone whose port was taken between hotline's pick and baresip's bind (another process got it
first: a port is free when chosen, not reserved) starts on fresh ports instead of failing the test that needs it."""
from __future__ import annotations

import socket
import wave

from hotline.pbx import softphone
from hotline.pbx.softphone import Softphone


def silence(path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)


async def test_a_port_taken_before_baresip_binds_it_is_picked_again(tmp_path, monkeypatch):
    taken = socket.socket(type=socket.SOCK_DGRAM)   # the SIP port someone else bound in the meantime
    taken.bind(("127.0.0.1", 0))
    fresh = softphone.free_port
    picks = [fresh(), taken.getsockname()[1]]        # the first start: control port, then the taken SIP port
    monkeypatch.setattr(softphone, "free_port", lambda: picks.pop(0) if picks else fresh())
    silence(tmp_path / "speech.wav")
    phone = Softphone("101", "secret", "127.0.0.1:9", tmp_path / "phone", tmp_path / "speech.wav")
    try:
        await phone.start()
        assert phone._process.returncode is None and picks == []   # running on a second, fresh pair of ports
    finally:
        await phone.stop()
        taken.close()
