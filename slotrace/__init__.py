"""slotrace: race manager for digital slot-car tracks."""

__version__ = "0.1.0"
