"""``python -m rareearth``: the command line (see :mod:`rareearth.cli`)."""

from rareearth.cli import main

if __name__ == "__main__":
    main()
