"""Opening hours on the PBX: the national-holiday flags the dialplan's opening-hours check reads."""
