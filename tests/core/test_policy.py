"""Policy profiles: both shipped profiles load; a bad profile fails naming the field and the reason."""
from __future__ import annotations

import pytest

from core.policy import ProfileError, available_profiles, load_profile
from tests.core.policy_fixtures import broken


def test_both_shipped_profiles_load_with_their_ring_limits():
    assert {"lt-employment-1883", "lv-social-insurance"} <= set(available_profiles())
    lt, lv = load_profile("lt-employment-1883"), load_profile("lv-social-insurance")
    assert (lt.timezone, lt.ring_sla.max_ring_count, lt.public_number) == ("Europe/Vilnius", 2, "1883")
    assert (lv.timezone, lv.ring_sla.max_ring_count) == ("Europe/Riga", 4)
    assert lt.ring_sla.cadence.period == 5.0
    assert lt.qa_samples_per_employee_month >= 8 and lt.language == "lt" and lv.language == "lv"
    assert lt.prompts.consent and lv.prompts.consent


@pytest.mark.parametrize("change, field, reason", [
    (lambda d: d.update(timezone="Europe/Atlantis"), "timezone", "unknown timezone"),
    (lambda d: d["ring_sla"].update(max_ring_count=0), "ring_sla.max_ring_count", "greater than or equal to 1"),
    (lambda d: d["queues"][0].update(strategy="loudest"), "queues.0.strategy", "unknown queue strategy"),
    (lambda d: d.update(default_queue="nowhere"), "(top)", "default_queue 'nowhere' is not one of the queues"),
    (lambda d: d.pop("prompts"), "prompts", "Field required"),
    (lambda d: d.update(colour="blue"), "colour", "Extra inputs are not permitted"),
    (lambda d: d["business_hours"]["days"].update({"1": ["17:00", "08:00"]}), "business_hours.days",
     "is not before closing"),
    # LT's deadline is 10 s (before the 3rd ring): a direct line ringing that long answers too late
    (lambda d: d["ring_sla"].update(direct_line_ring_timeout=10.0), "(top)",
     "ring_sla.direct_line_ring_timeout 10 s must be shorter than the ring SLA deadline 10 s"),
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


def test_the_supervision_thresholds_are_read_from_the_profile_with_defaults(tmp_path):
    for name in ("lt-employment-1883", "lv-social-insurance"):
        supervision = load_profile(name).supervision
        assert (supervision.sla_ratio_target, supervision.long_wait_seconds,
                supervision.late_callback_minutes) == (0.9, 30.0, 15.0)
    set_out = load_profile(broken(tmp_path, lambda d: d["supervision"].update(
        sla_ratio_target=1, long_wait_seconds=1, late_callback_minutes=0.5))).supervision
    assert (set_out.sla_ratio_target, set_out.long_wait_seconds, set_out.late_callback_minutes) == (1, 1, 0.5)
    left_out = load_profile(broken(tmp_path, lambda d: d.pop("supervision"))).supervision
    assert left_out.long_wait_seconds == 30.0 and left_out.sla_ratio_target == 0.9


@pytest.mark.parametrize("values, field, reason", [
    ({"sla_ratio_target": 0}, "sla_ratio_target", "greater than 0"),
    ({"sla_ratio_target": 1.5}, "sla_ratio_target", "less than or equal to 1"),
    ({"long_wait_seconds": 0}, "long_wait_seconds", "greater than 0"),
    ({"late_callback_minutes": -5}, "late_callback_minutes", "greater than 0"),
    ({"late_callback_minutes": "soon"}, "late_callback_minutes", "valid number"),
    ({"wait_colour": "red"}, "wait_colour", "Extra inputs are not permitted"),
])
def test_a_bad_supervision_threshold_names_its_field(tmp_path, values, field, reason):
    with pytest.raises(ProfileError) as error:
        load_profile(broken(tmp_path, lambda d: d["supervision"].update(values)))
    message = str(error.value)
    assert f"field supervision.{field}" in message and reason in message
