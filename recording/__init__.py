"""Recordings (a capability package; imports ``core`` only, learns of calls through domain events): the catalogue
of every recording file and its state, voice-activity analysis per party, retention and audited listening.
Issue 13 builds it; this is its public surface."""
