"""Provides the Scalextric ARC Pro (ARC Air / ARC One) driver for slotrace, over Bluetooth LE."""
