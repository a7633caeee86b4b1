"""Provides the app's screens and dialogs, one per module."""
