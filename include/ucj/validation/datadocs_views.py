"""GX's Data Docs views with their compiled templates kept between processes.

Each GX view makes its own Jinja environment, so every process (every validating task) parses
and compiles GX's page templates again, only to render one page and the site index.
These views are GX's own (``DefaultJinjaPageView``, ``DefaultJinjaIndexPageView``: the same
templates, filters and output) with Jinja's file bytecode cache: a template compiled once is
loaded from the cache by every later environment, in this process or another, as long as its
source is the same (Jinja keys the cache by template and source checksum and checks its own
and Python's version before using an entry; an entry it cannot read is compiled again).

The cache is Jinja's default folder, ``_jinja2-cache-<uid>`` under the temporary directory,
which Jinja makes owner-only and refuses to use otherwise. Nothing in it comes from the
data: only GX's package templates are compiled.
"""

from __future__ import annotations

from functools import lru_cache

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import FileSystemBytecodeCache

PAGE_VIEW = {"module_name": __name__, "class_name": "CachedJinjaPageView"}
INDEX_VIEW = {"module_name": __name__, "class_name": "CachedJinjaIndexPageView"}


@lru_cache(maxsize=1)
def bytecode_cache() -> FileSystemBytecodeCache:
    return FileSystemBytecodeCache()


class _CachedTemplates:
    # GX passes a view only the arguments its __init__ names: these are GX's own
    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory=custom_styles_directory,
                         custom_views_directory=custom_views_directory)
        self.env.bytecode_cache = bytecode_cache()


class CachedJinjaPageView(_CachedTemplates, DefaultJinjaPageView):
    """GX's page view (validation results, expectation suites), templates cached."""


class CachedJinjaIndexPageView(_CachedTemplates, DefaultJinjaIndexPageView):
    """GX's site index view, templates cached."""
