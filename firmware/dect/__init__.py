"""DECT handsets as extensions: pairing a new handset (firmware/admin/dect.py drives it)."""
