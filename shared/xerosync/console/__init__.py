"""The merchant's console: server-rendered pages served by the stack's ConsoleFunction.

Never imported by the sync and ingress functions (the ``functions-not-console`` contract in
pyproject.toml). How to add a page: README.md beside this file.
"""
