"""Ring groups: one number that rings several phones at once or in turn."""
