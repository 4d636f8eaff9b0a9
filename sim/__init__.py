"""Leverage."""
