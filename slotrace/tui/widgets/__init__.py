"""Provides the race-control and board widgets, one per module."""
