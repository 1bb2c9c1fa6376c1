"""Voice menus (IVR): a greeting, keys that lead somewhere, direct dialling."""
