"""The terminal app (Textual). Everything that imports textual lives in this package."""
