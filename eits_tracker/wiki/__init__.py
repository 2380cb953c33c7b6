"""The shared best-practice wiki: pages linked to the catalogue, their revisions, export and import.

Plain functions over a Session, like tracking/ and mentoring/: the terminal app and the command
line call the same ones. Never imports Textual.
"""
