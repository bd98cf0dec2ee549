"""`python -m evlm_cli` runs the command-line tool."""

from evlm_cli.launcher import main

main()
