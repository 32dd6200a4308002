"""Alerts for investors: "tell me when land that matches this search becomes available"."""
