#!/usr/bin/env python
"""Django's command-line utility; the installed ``povcensus`` command does the same."""

from povcensus.cli import main

if __name__ == "__main__":
    main()
