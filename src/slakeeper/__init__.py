"""slakeeper: a self-hosted SLA engine and service-level console for B2B customer support."""

__version__ = "0.1.0"
