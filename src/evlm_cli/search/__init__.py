"""Full-text search over the survey: the query language (`query`), text analysis (`analyze`), the ranking engine
(`engine`) and its derived SQLite FTS5 cache (`index`).

The database file stays the one source of truth; the index is a disposable cache rebuilt whenever it is stale.
"""
