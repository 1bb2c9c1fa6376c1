"""Hardware abstraction: drivers and simulators for the devices a board file lists (docs/hardware/)."""
