"""Call forwarding and do-not-disturb per extension."""
