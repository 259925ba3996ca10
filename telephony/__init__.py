"""Everything spoken over AMI: the hardened AMI client, event normalisation, the call/agent/queue model."""
