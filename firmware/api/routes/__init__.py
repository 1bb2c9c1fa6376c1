"""One module per resource; each declares the permission its endpoints need."""
