"""Adapters at the edge for notifications; signatures shared by inbound and outbound webhooks."""
