"""Callbacks (REQUIREMENTS §5): who is owed a call, why and when (``service``, ``models``); which ended calls owe
one (``detection``); what people do to tasks (``admin``); the dialer that rings a free agent first, then the client
(``dialer`` the loop, ``attempt`` one try, ``claims`` exactly-once claiming, ``handlers`` its AMI bindings, ``pbx``
what it asks the PBX); what it tells the rest (``notifier``)."""
