"""One module per screen; each screen loads its data in thread workers."""
