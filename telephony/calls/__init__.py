"""The call model: AMI events become calls keyed by Linkedid (``tracker``), resynced from the PBX after every login
(``resync``), stored insert-only (``store``), read back for the API and the screen pop (``queries``, ``contacts``).
``handlers`` binds it to AMI; ``setup`` builds it."""
