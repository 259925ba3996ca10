"""Policy profiles: both shipped profiles load; a bad profile fails naming the field and the reason."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from core.policy import PROFILE_DIR, ProfileError, available_profiles, load_profile


def test_both_shipped_profiles_load_with_their_ring_limits():
    assert {"lt-employment-1883", "lv-social-insurance"} <= set(available_profiles())
    lt, lv = load_profile("lt-employment-1883"), load_profile("lv-social-insurance")
    assert (lt.timezone, lt.ring_sla.max_ring_count, lt.public_number) == ("Europe/Vilnius", 2, "1883")
    assert (lv.timezone, lv.ring_sla.max_ring_count) == ("Europe/Riga", 4)
    assert lt.ring_sla.cadence.period == 5.0
    assert lt.qa_samples_per_employee_month >= 8 and lt.language == "lt" and lv.language == "lv"
    assert lt.prompts.consent and lv.prompts.consent


def broken(tmp_path: Path, change) -> Path:
    data = tomllib.loads((PROFILE_DIR / "lt-employment-1883.toml").read_text())
    change(data)
    path = tmp_path / "broken.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.mark.parametrize("change, field, reason", [
    (lambda d: d.update(timezone="Europe/Atlantis"), "timezone", "unknown timezone"),
    (lambda d: d["ring_sla"].update(max_ring_count=0), "ring_sla.max_ring_count", "greater than or equal to 1"),
    (lambda d: d["queues"][0].update(strategy="loudest"), "queues.0.strategy", "unknown queue strategy"),
    (lambda d: d.update(default_queue="nowhere"), "(top)", "default_queue 'nowhere' is not one of the queues"),
    (lambda d: d.pop("prompts"), "prompts", "Field required"),
    (lambda d: d.update(colour="blue"), "colour", "Extra inputs are not permitted"),
    (lambda d: d["business_hours"]["days"].update({"1": ["17:00", "08:00"]}), "business_hours.days",
     "is not before closing"),
])
def test_a_bad_profile_names_the_field_and_the_reason(tmp_path, change, field, reason):
    with pytest.raises(ProfileError) as error:
        load_profile(broken(tmp_path, change))
    message = str(error.value)
    assert f"field {field}" in message and reason in message and "broken.toml" in message


def test_unknown_profile_and_invalid_toml_are_clear_errors(tmp_path):
    with pytest.raises(ProfileError, match="not found; shipped profiles"):
        load_profile("no-such-profile")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(bad)
