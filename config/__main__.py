"""Allow ``python -m config`` as a synonym of the ``ameli`` command."""

from config.cli import main

main()
