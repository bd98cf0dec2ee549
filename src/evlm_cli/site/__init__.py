"""`evlm site`: the survey as a static, searchable web site (`render` makes the files, `output` writes the folder).

The site is one HTML page (every section an anchor), a style sheet, a script and the vendored search library
(`static/vendor/README.md`): no file is fetched from another host, and the page works opened from disk.
"""

MARKER = ".evlm-site"
"""A file in every folder `evlm site` writes, so a later run knows the folder is a site it may replace."""
