"""What a script sees: the ``runner`` it receives, its plays, its events, and the ``ftl`` whose calls become tasks."""
