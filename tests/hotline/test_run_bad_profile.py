"""`hotline run` with a bad policy profile stops at once, naming the field and the reason."""
from __future__ import annotations

from hotline.cli import main


def test_run_refuses_a_bad_profile_before_touching_anything(tmp_path, monkeypatch, capsys):
    profile = tmp_path / "bad-profile.toml"
    profile.write_text((__import__("core.policy").policy.PROFILE_DIR / "lv-social-insurance.toml").read_text()
                       .replace('timezone = "Europe/Riga"', 'timezone = "Mars/Olympus"'))
    monkeypatch.setenv("HOTLINE_PROFILE", str(profile))
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))

    assert main(["run"]) == 1

    err = capsys.readouterr().err
    assert "field timezone" in err and "unknown timezone 'Mars/Olympus'" in err and str(profile) in err
    assert not (tmp_path / "var").exists()  # nothing was created
