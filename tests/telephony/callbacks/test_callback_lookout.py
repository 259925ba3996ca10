"""When the dialer reads the database: only when a task may have become due (telephony/callbacks/lookout.py)."""
import datetime as dt

from telephony.callbacks.claims import Servable
from telephony.callbacks.lookout import Lookout

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
AGENT_101 = Servable(frozenset({"101"}), frozenset({"general_info"}))
AGENT_102 = Servable(frozenset({"102"}), frozenset({"employers"}))


def looked_once(next_due: dt.datetime | None) -> Lookout:
    lookout = Lookout(rescan_seconds=10)
    assert lookout.worth_a_look(AGENT_101, NOW)   # the first poll always reads
    lookout.looking()
    lookout.looked(AGENT_101, NOW, next_due)
    return lookout


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def test_nothing_new_no_read_until_the_rescan():
    lookout = looked_once(None)
    assert not lookout.worth_a_look(AGENT_101, later(1))
    assert not lookout.worth_a_look(AGENT_101, later(9.9))
    assert lookout.worth_a_look(AGENT_101, later(10))   # tasks another instance or the CLI wrote


def test_a_task_this_service_wrote_is_read_at_the_next_poll():
    lookout = looked_once(None)
    lookout.changed()
    assert lookout.worth_a_look(AGENT_101, later(1))


def test_other_free_agents_read_again():
    lookout = looked_once(None)
    assert lookout.worth_a_look(AGENT_102, later(1))


def test_the_earliest_task_is_read_when_it_falls_due():
    lookout = looked_once(later(5))
    assert not lookout.worth_a_look(AGENT_101, later(4))
    assert lookout.worth_a_look(AGENT_101, later(5))


def test_a_change_during_the_read_is_not_lost():
    lookout = Lookout(rescan_seconds=10)
    lookout.looking()
    lookout.changed()     # a request committed while next_due was being read
    lookout.looked(AGENT_101, NOW, None)
    assert lookout.worth_a_look(AGENT_101, later(1))
