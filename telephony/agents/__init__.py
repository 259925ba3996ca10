"""Agents: their live state from the AMI stream (``tracker``), queue membership from the employee directory
(``membership``), the ring-out rule that pauses an agent and alerts supervisors (``enforcement``, ``notifier``)."""
