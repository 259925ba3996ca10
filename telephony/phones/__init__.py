"""The employees' SIP phones: one PJSIP endpoint per active employee with a SIP account, kept on the PBX."""
