"""Entry point: `python -m lucidsim --help`."""

from lucidsim.cli import main

if __name__ == "__main__":
    main()
