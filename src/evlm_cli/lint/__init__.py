"""`evlm check`: lint the database offline (rules/) and check its links over HTTP (links.py).

Both produce `Finding`s (findings.py); only `cli/check_cmd.py` prints them.
"""
