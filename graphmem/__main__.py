"""``python -m graphmem``: the ``graphmem`` command."""

from graphmem.cli import main

main()
