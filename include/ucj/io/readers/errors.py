"""The refusals of reading: the whole file cannot be read as its contract says.

Each names the file, the line (when there is one) and the rule broken; the batch is refused,
without retries (:class:`ucj.refusal.Refused`). Raised in a worker process, they cross back
by pickle (see :meth:`ReadError.__reduce__`)."""

from __future__ import annotations

from pathlib import Path

from ucj.refusal import Refused


class ReadError(Refused, ValueError):
    """The file cannot be read as its contract says: the whole batch is refused.

    The message names the file, the line (when there is one) and the rule broken."""

    rule = "readable"

    def __init__(self, path: Path | str, problem: str, line: int | None = None,
                 rule: str | None = None):
        self.path, self.line, self.problem = str(path), line, problem
        self.rule = rule or self.rule
        where = f"{path}, line {line}" if line else f"{path}"
        super().__init__(f"{where}: {problem} [rule {self.rule}]")

    def __reduce__(self):
        # Raised in a worker process, it crosses back by pickle: rebuild it from its message
        # and attributes (the subclasses' __init__ take other arguments).
        return _rebuild_error, (type(self), self.args, self.__dict__)


def _rebuild_error(cls, args, state):
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class SchemaError(ReadError):
    """The file's header does not match its contract (drift): the whole batch is refused."""

    rule = "header_matches_contract"

    def __init__(self, path: Path | str, missing: list[str], extra: list[str],
                 hint: str = "", line: int | None = 1):
        self.missing, self.extra, self.hint = list(missing), list(extra), hint
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(_short(e) for e in extra)}")
        text = f"header does not match the contract: {'; '.join(parts) or 'no header'}"
        super().__init__(path, text + (f" ({hint})" if hint else ""), line)


class EncodingError(ReadError):
    """Bytes that are not text in the file's encoding (the contracts say UTF-8)."""

    rule = "encoding"


class EmptyFile(ReadError):
    """No header at all (zero bytes, or only blank lines)."""

    rule = "not_empty"


class NoDataRows(ReadError):
    """A header and nothing under it: taken as a delivery that went wrong, since it would
    replace the partition with nothing."""

    rule = "has_rows"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
