"""Profile rules for queues and agents: ring timeout below the ring SLA deadline, overflow queue, ring-out limit."""
from __future__ import annotations

import pytest

from core.policy import ProfileError, available_profiles, load_profile
from tests.core.policy_fixtures import broken


@pytest.mark.parametrize("name", available_profiles())
def test_shipped_profiles_move_an_unanswered_ring_on_before_the_limit(name):
    profile = load_profile(name)
    assert profile.ring_sla.pause_after_ring_outs >= 1
    for queue in profile.queues:
        assert queue.member_ring_timeout < profile.ring_sla.max_ring_count * profile.ring_sla.cadence.period


def test_a_ring_timeout_reaching_the_ring_sla_deadline_is_refused(tmp_path):
    path = broken(tmp_path, lambda d: d["queues"][1].update(member_ring_timeout=10.0))  # LT deadline: 2 x 5 s
    with pytest.raises(ProfileError, match=r"queues.employers.member_ring_timeout 10 s must be shorter than the "
                                           r"ring SLA deadline 10 s"):
        load_profile(path)


@pytest.mark.parametrize("target", ["nowhere", "e_services"])
def test_overflow_queue_must_be_another_profile_queue(tmp_path, target):
    path = broken(tmp_path, lambda d: d["queues"][2].update(overflow_queue=target))  # queue 2 is e_services
    with pytest.raises(ProfileError, match=rf"queues.e_services.overflow_queue '{target}' is not another"):
        load_profile(path)


def test_ring_out_limit_must_be_positive(tmp_path):
    path = broken(tmp_path, lambda d: d["ring_sla"].update(pause_after_ring_outs=0))
    with pytest.raises(ProfileError, match="ring_sla.pause_after_ring_outs"):
        load_profile(path)
