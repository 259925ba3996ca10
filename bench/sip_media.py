"""RTP captures for sipp's ``play_pcap_audio``: a phrase of real speech (espeak-ng through hotline's sandbox speech
cache) as G.711 μ-law RTP in a pcap file, 20 ms per packet. sipp replays the payloads with their timing to the
far side's media address; the addresses in the file do not matter."""
from __future__ import annotations

import struct
import wave
from pathlib import Path

PAYLOAD_PCMU = 0
SAMPLES_PER_PACKET = 160           # 20 ms at 8 kHz


_SEGMENT_ENDS = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)


def _ulaw(sample: int) -> int:
    """G.711 μ-law of one signed 16-bit sample (the reference algorithm on 14-bit values)."""
    value, mask = sample >> 2, 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 0x21
    segment = next((index for index, end in enumerate(_SEGMENT_ENDS) if value <= end), 8)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


def _udp_frame(payload: bytes, src_port: int = 6000, dst_port: int = 6002) -> bytes:
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1])) + udp
    return b"\x00" * 12 + b"\x08\x00" + ip          # Ethernet: no addresses, IPv4


def wav_to_pcap(wav: Path, target: Path, *, ssrc: int = 0x1883) -> Path:
    """``wav`` (8 kHz mono 16-bit) as a pcap of PCMU RTP packets."""
    with wave.open(str(wav)) as audio:
        if (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) != (8000, 1, 2):
            raise ValueError(f"{wav} is not 8 kHz mono 16-bit")
        frames = audio.readframes(audio.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for index in range(0, len(samples) - SAMPLES_PER_PACKET + 1, SAMPLES_PER_PACKET):
        payload = bytes(_ulaw(s) for s in samples[index:index + SAMPLES_PER_PACKET])
        number = index // SAMPLES_PER_PACKET
        rtp = struct.pack("!BBHII", 0x80, PAYLOAD_PCMU | (0x80 if number == 0 else 0), number & 0xFFFF,
                          index, ssrc) + payload
        frame = _udp_frame(rtp)
        microseconds = number * 20_000
        out.append(struct.pack("<IIII", microseconds // 1_000_000, microseconds % 1_000_000, len(frame),
                               len(frame)) + frame)
    target.write_bytes(b"".join(out))
    return target
