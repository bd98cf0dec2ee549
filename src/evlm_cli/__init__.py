"""evlm: the Efficient Vision Language Models survey as a database, with a command-line tool."""

__version__ = "0.1.0"
