"""The E-ITS catalogue: native format, importers, OSCAL, loading into the database, edition diff."""
