"""The front panel in the brain: what its buttons do and what its LEDs show (docs/line-gateway.md)."""
