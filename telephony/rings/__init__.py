"""Ring measurement (REQUIREMENTS §2): every offered ring, its ring count from the profile's cadence and whether it
was answered within the limit (``meter``), stored with its call; the SLA report (``queries``)."""
