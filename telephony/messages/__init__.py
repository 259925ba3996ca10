"""Messages for employees who could not answer (LT-2021 §12.17–12.19): stored, each with a callback task for that
employee, announced to their softphone (``service``, ``models``, ``notifier``)."""
