"""Backends behind one store protocol (DESIGN §5)."""
