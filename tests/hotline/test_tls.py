"""TLS (issue 12): with ``HOTLINE_TLS_CERT`` and ``HOTLINE_TLS_KEY`` the service serves HTTPS and marks the pages'
session cookies Secure; one without the other, or a certificate it cannot read, stops it with a clear error."""
from __future__ import annotations

import ssl
import subprocess
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from pydantic import ValidationError

from core.settings import Settings
from hotline.service import tls_context
from tests.service_fixture import running_service


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made here (openssl), and its key."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.mark.pbx
async def test_with_a_certificate_the_service_answers_over_https_and_its_session_cookie_is_secure(pbx, tmp_path):
    cert, key = self_signed(tmp_path)
    async with running_service(pbx, tmp_path, tls_cert=cert, tls_key=key) as running:
        assert running.service.base_url.startswith("https://127.0.0.1:")
        trusting = ssl.create_default_context(cafile=str(cert))
        async with aiohttp.ClientSession(base_url=running.service.base_url,
                                         connector=aiohttp.TCPConnector(ssl=trusting),
                                         cookie_jar=aiohttp.DummyCookieJar()) as https:
            async with https.get("/healthz") as response:
                assert response.status == 200
            async with https.get(f"/wallboard?token={running.token}", allow_redirects=False) as response:
                assert response.status == 303
                header = response.headers["Set-Cookie"]
            assert "hotline_session" in SimpleCookie(header)
            assert "secure" in {flag.strip().lower() for flag in header.split(";")}
            async with https.get("/wallboard", headers={"Cookie": header.split(";")[0]}) as response:
                assert response.status == 200
        with pytest.raises(aiohttp.ClientError):   # no plain HTTP on the port
            async with aiohttp.ClientSession() as plain:
                await plain.get(running.service.base_url.replace("https://", "http://") + "/healthz")


def test_a_certificate_without_its_key_is_refused_naming_both_settings(tmp_path):
    with pytest.raises(ValidationError, match="HOTLINE_TLS_CERT and HOTLINE_TLS_KEY go together"):
        Settings(tls_cert=tmp_path / "cert.pem")


def test_an_unreadable_certificate_stops_the_start_with_the_settings_named(tmp_path):
    cert, key = self_signed(tmp_path)
    key.write_text("not a key")
    with pytest.raises(RuntimeError, match="HOTLINE_TLS_CERT / HOTLINE_TLS_KEY") as refused:
        tls_context(Settings(tls_cert=cert, tls_key=key))
    assert "not a key" not in str(refused.value)
    with pytest.raises(RuntimeError, match="FileNotFoundError"):
        tls_context(Settings(tls_cert=tmp_path / "missing.pem", tls_key=key))
    assert tls_context(Settings()) is None
