"""``python -m xerosync``: the operator's command line."""

from xerosync.cli import main

main()
