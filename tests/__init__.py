"""minipbx tests: unit, integration (real processes), hardware-in-simulation."""
