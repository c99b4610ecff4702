"""Live view of the cameras: the stream relay (relay.py), its websocket (consumers.py), the
viewing audit (services.py) and the pages (views.py)."""
