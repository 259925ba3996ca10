"""Registry of every package's SQLAlchemy models, so ``core.db.Base.metadata`` (Alembic's target) is complete.

Each package's public surface (its ``__init__``) loads its tables; add one import line per new package that defines
tables, then an Alembic revision for them.
"""
import directory  # noqa: F401  employees, employee_history
import hotline.audit.models  # noqa: F401  audit_log, audit_head
import hotline.auth.models  # noqa: F401  users, tokens
import ivr_flows  # noqa: F401  call_ivr_steps
import recording  # noqa: F401  recordings, recording_history
import telephony  # noqa: F401  calls, call_states, call_links, call_rings, callback_*, messages
from core.db import Base

metadata = Base.metadata
