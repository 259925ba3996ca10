"""Registry of every package's SQLAlchemy models, so ``core.db.Base.metadata`` (Alembic's target) is complete.

Add one import line per package that defines tables (``<package>.models``), then add an Alembic revision for them.
"""
import directory.models  # noqa: F401  employees, employee_history
import hotline.auth.models  # noqa: F401  users, tokens
import ivr_flows.models  # noqa: F401  call_ivr_steps
import telephony  # noqa: F401  calls, call_states, call_links, call_rings, callback_*, messages (its __init__)
from core.db import Base

metadata = Base.metadata
