"""Registry of every package's SQLAlchemy models, so ``core.db.Base.metadata`` (Alembic's target) is complete.

Add one import line per package that defines tables (``<package>.models``), then add an Alembic revision for them.
"""
from core.db import Base
import core.directory  # noqa: F401  employees, employee_history
import hotline.auth.models  # noqa: F401  users, tokens
import ivr_flows.models  # noqa: F401  call_ivr_steps
import telephony.callbacks  # noqa: F401  callback_tasks, callback_task_history
import telephony.messages  # noqa: F401  messages
import telephony.models  # noqa: F401  calls, call_states, call_links, call_rings

metadata = Base.metadata
