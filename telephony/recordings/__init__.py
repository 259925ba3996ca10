"""What telephony does to the PBX's recordings of a call while it runs: mute and unmute them (MixMonitorMute)."""
