"""Push to softphones and wallboards over WebSocket: the hub (clients, bounded outboxes), the notifier (domain
events -> messages) and their wiring (``hotline.push.setup``)."""
