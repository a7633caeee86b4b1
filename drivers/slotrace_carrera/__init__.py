"""Provides the Carrera DIGITAL 124/132 Control Unit driver, codec and simulator."""
