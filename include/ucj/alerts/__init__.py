"""Alerts for labour inspectors: built from the marts, stored with a lifecycle, delivered once."""
