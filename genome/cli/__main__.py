"""`python -m genome.cli`: the same commands as the `genome` script."""

from genome.cli.main import main

main()
