"""The E-ITS mentor network: people, assignments, recorded sessions and their follow-ups.

Plain functions over a SQLModel Session, like ``tracking``; never imports textual.
"""
