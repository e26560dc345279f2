"""HTTP GET with bounded retries, conditional requests and secret redaction.

Retries are done here (not by urllib3's ``Retry``) so that the attempts, the waits and the last error are
visible, the sleep can be injected in tests, and nothing that leaves this module (log lines, exception
messages, the url in a :class:`FetchResult`) can carry a token or a password.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from bisa_sdg import __version__

if TYPE_CHECKING:  # requests is imported where a request is made: an offline run never loads it
    import requests

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"bisa-sdg/{__version__} (SDG 11 pipeline, Brussels-Capital Region)"
DEFAULT_TIMEOUT: tuple[float, float] = (5, 30)
# Whole-download limits, whatever the server does: the timeout above bounds one wait for a byte, not the sum of
# them (a server sending a byte every 10 s never trips it), and a body is held in memory.
DEADLINE_ENV = "BISA_SDG_HTTP_DEADLINE_S"
MAX_BYTES_ENV = "BISA_SDG_HTTP_MAX_BYTES"
DEFAULT_DEADLINE_S = 600.0  # every attempt and wait of one fetch together
DEFAULT_MAX_BYTES = 512 * 2**20  # the largest Statbel yearly zip is a few MB
_CHUNK = 64 * 2**10
MAX_REDIRECTS = 5
MAX_BACKOFF_S = 30.0  # an exponential wait never grows beyond this
MAX_RETRY_AFTER_S = 60.0  # a server's Retry-After is obeyed up to this, so a bad header cannot stall a run
REDACTED = "REDACTED"

# Query parameter / header names whose values are secrets.
_SECRET_NAME = re.compile(
    r"(token|secret|passw|pwd|api[-_]?key|apikey|signature|credential|session|auth|^key$|^sig$|^code$)",
    re.IGNORECASE,
)
# 'name=value' pairs inside free text (exception messages from requests/urllib3 quote the url).
_SECRET_PAIR_IN_TEXT = re.compile(
    r"(?i)\b([\w.-]*(?:token|secret|passw|pwd|api[-_]?key|apikey|signature|credential|session|auth)[\w.-]*"
    r"|key|sig)=([^&\s'\"()<>]+)"
)
_BEARER_IN_TEXT = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_USERINFO_IN_TEXT = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@:]+:[^/\s@]+@")

_RETRY_STATUS_MIN = 500
_TOO_MANY_REQUESTS = 429
_NOT_MODIFIED = 304
_CONDITIONAL_HEADERS = frozenset({"if-none-match", "if-modified-since"})


class FetchError(RuntimeError):
    """A GET that did not succeed; the message names the (redacted) url, the attempts and the last error."""

    def __init__(self, url: str, attempts: int, last_error: str, status: int | None = None) -> None:
        self.url = url
        self.attempts = attempts
        self.last_error = last_error
        self.status = status
        super().__init__(f"GET {url} failed after {attempts} attempt(s): {last_error}")


@dataclass(frozen=True)
class FetchResult:
    """What a GET returned. ``content`` is None on 304 Not Modified; ``url`` is redacted."""

    status: int
    content: bytes | None
    etag: str | None
    last_modified: str | None
    url: str

    @property
    def not_modified(self) -> bool:
        return self.status == _NOT_MODIFIED


def is_secret_name(name: str) -> bool:
    """True for a query parameter or header name that carries a credential."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """The url with secret query values and any user:password replaced, for logs, errors and manifests."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{REDACTED}@{host}" if userinfo else host
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="/:,")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secret_values(
    url: str, params: Mapping[str, object] | None, headers: Iterable[Mapping[str, str]]
) -> set[str]:
    """Every secret value that could show up in an error text, in raw and percent-encoded forms."""
    found: set[str] = set()
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if is_secret_name(k):
            found.add(v)
    if parts.password:
        found.add(parts.password)
    for k, v in (params or {}).items():
        if is_secret_name(k):
            values = v if isinstance(v, list | tuple) else [v]
            found.update(str(x) for x in values if x is not None)
    for mapping in headers:
        for k, v in mapping.items():
            if is_secret_name(k) or k.lower() in {"cookie", "proxy-authorization"}:
                found.add(str(v))
                found.update(str(v).split())  # 'Bearer <token>' -> also '<token>'
    variants = {f(s) for s in found for f in (str, quote, quote_plus)}
    return {s for s in variants if len(s) >= 4}


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secret values and anything that looks like a credential from free text."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _SECRET_PAIR_IN_TEXT.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _BEARER_IN_TEXT.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _USERINFO_IN_TEXT.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


class RedactingFilter(logging.Filter):
    """Rewrites log records that carry credentials (urllib3 logs the request line, query string included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction(logger_names: Iterable[str] = ("urllib3.connectionpool", "urllib3")) -> None:
    """Attach :class:`RedactingFilter` to the HTTP stack's loggers (idempotent); run at import."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


install_log_redaction()


def make_session(user_agent: str = DEFAULT_USER_AGENT) -> requests.Session:
    """A session with an identifying User-Agent and no hidden adapter retries (``fetch`` owns retrying)."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json, */*;q=0.5"
    adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=4)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def prepared_url(url: str, params: Mapping[str, object] | None) -> str:
    """The url exactly as requests will request it, query encoded (unchanged if requests cannot prepare it)."""
    if not params:
        return url
    import requests

    with contextlib.suppress(requests.RequestException):
        return requests.Request("GET", url, params=params).prepare().url or url
    return url


def _safe_request_url(url: str, params: Mapping[str, object] | None) -> str:
    """The redacted url as it will be requested (params included), for messages."""
    return redact_url(prepared_url(url, params))


def _backoff_delay(backoff: float, attempt: int) -> float:
    return min(MAX_BACKOFF_S, backoff * (2 ** (attempt - 1)))


def _validate_timeout(timeout: float | tuple[float, float] | None) -> None:
    if timeout is None:
        raise ValueError("a timeout is required: a GET without one can hang a pipeline run forever")
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if not values or any(v is None or v <= 0 for v in values):
        raise ValueError(f"timeouts must be positive numbers, got {timeout!r}")


def _within(timeout: float | tuple[float, float], deadline_at: float) -> tuple[float, float]:
    """The (connect, read) timeout, shortened so that no single wait runs past the deadline."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    left = max(deadline_at - time.monotonic(), 0.001)
    return min(connect, left), min(read, left)


def _conditional_headers(conditional: Mapping[str, str | None] | None) -> dict[str, str]:
    if not conditional:
        return {}
    unknown = [k for k in conditional if k.lower() not in _CONDITIONAL_HEADERS]
    if unknown:
        raise ValueError(f"conditional accepts only If-None-Match / If-Modified-Since, got {unknown}")
    return {k: v for k, v in conditional.items() if v}


def download_limits() -> tuple[float, int]:
    """The deadline (seconds) and size cap (bytes) of a fetch: the defaults, or the environment's values."""
    import os

    try:
        deadline = float(os.environ.get(DEADLINE_ENV) or DEFAULT_DEADLINE_S)
        max_bytes = int(os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_BYTES)
    except ValueError as exc:
        raise ValueError(f"{DEADLINE_ENV} / {MAX_BYTES_ENV} must be numbers: {exc}") from None
    if deadline <= 0 or max_bytes <= 0:
        raise ValueError(f"{DEADLINE_ENV} and {MAX_BYTES_ENV} must be positive")
    return deadline, max_bytes


class _LimitReached(Exception):
    """A download ran past its deadline or its size cap, or was sent to another host: not retried."""


def _read_body(response: requests.Response, max_bytes: int, deadline_at: float, deadline: float) -> bytes:
    """The body, read a socket read at a time so the deadline and the cap are checked as it arrives."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _LimitReached(f"the server announces {int(declared)} bytes, over the cap of {max_bytes}")
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline_at:
            raise _LimitReached(f"the download did not finish within its deadline of {deadline:g} s")
        chunk = response.raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise _LimitReached(f"the body exceeds the cap of {max_bytes} bytes")
        chunks.append(chunk)


def _get_on_same_host(
    session: requests.Session,
    url: str,
    params: Mapping[str, object] | None,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
) -> requests.Response:
    """GET, following redirects only on the url's own host (http to https allowed), body not read yet.

    Why: a redirect to another host would send it the request's headers and take its answer as the
    publisher's; a publisher that moves is a change to make in the catalog, not to follow unseen.
    """
    from urllib.parse import urljoin

    host = urlsplit(prepared_url(url, params)).hostname
    response = session.get(
        url, params=params, headers=headers, timeout=timeout, stream=True, allow_redirects=False
    )
    for _ in range(MAX_REDIRECTS):
        if not response.is_redirect:
            return response
        target = urljoin(response.url, response.headers["Location"])
        response.close()
        if urlsplit(target).hostname != host:
            raise _LimitReached(
                f"redirected to another host ({redact_url(target)}); refused — if the publisher moved, "
                "change the url in the catalog"
            )
        response = session.get(target, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
    response.close()
    raise _LimitReached(f"more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class _Request:
    """What every attempt of one fetch shares: the request, its limits and the secrets to redact."""

    session: requests.Session
    url: str
    params: Mapping[str, object] | None
    headers: dict[str, str]
    conditional: bool  # If-None-Match / If-Modified-Since sent: a 304 is an answer
    timeout: float | tuple[float, float]
    deadline: float
    deadline_at: float
    max_bytes: int
    secrets: set[str]
    safe_url: str


@dataclass(frozen=True)
class _Failure:
    """A failed attempt that may be retried: the redacted error, the HTTP status if any, the wait before the next."""

    error: str
    status: int | None
    delay: float


def fetch(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, object] | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: int = 4,
    backoff: float = 0.5,
    conditional: Mapping[str, str | None] | None = None,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_retry_after: float = MAX_RETRY_AFTER_S,
) -> FetchResult:
    """GET ``url``; retry 429, 5xx, connection errors and timeouts with exponential backoff.

    ``retries`` is the number of retries after the first attempt. Other 4xx fail at once (retrying cannot fix
    them). ``conditional`` holds If-None-Match / If-Modified-Since; a 304 then gives ``content=None``.
    Every attempt and wait fits in one deadline, and a body over the size cap is refused
    (:func:`download_limits`). Raises :class:`FetchError` (redacted message) when no attempt succeeds.
    """
    _validate_timeout(timeout)
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    deadline, max_bytes = download_limits()
    cond = _conditional_headers(conditional)
    request_headers = {**cond, **(headers or {})}
    request = _Request(
        session=session,
        url=url,
        params=params,
        headers=request_headers,
        conditional=bool(cond),
        timeout=timeout,
        deadline=deadline,
        deadline_at=time.monotonic() + deadline,
        max_bytes=max_bytes,
        secrets=_secret_values(url, params, (session.headers, request_headers)),
        safe_url=_safe_request_url(url, params),
    )
    attempts = retries + 1
    failure = _Failure("no attempt made", None, 0.0)
    for attempt in range(1, attempts + 1):
        outcome = _attempt(request, attempt, _backoff_delay(backoff, attempt), max_retry_after)
        if isinstance(outcome, FetchResult):
            return outcome
        failure = outcome
        if attempt < attempts and time.monotonic() + failure.delay >= request.deadline_at:
            raise FetchError(
                request.safe_url,
                attempt,
                f"{failure.error}; no retry: the deadline of {deadline:g} s would pass first",
            )
        if attempt < attempts:
            log.warning(
                "GET %s: attempt %d/%d failed (%s); retrying in %.2f s",
                request.safe_url,
                attempt,
                attempts,
                failure.error,
                failure.delay,
            )
            sleep(failure.delay)
    raise FetchError(request.safe_url, attempts, failure.error, failure.status)


def _attempt(request: _Request, attempt: int, delay: float, max_retry_after: float) -> FetchResult | _Failure:
    """One GET: the result, or a failure worth retrying (after ``delay``, or the server's Retry-After).

    Raises :class:`FetchError` at once for what a retry cannot fix (other 4xx, a bad url, a size or time limit).
    """
    import requests
    import urllib3

    safe_url = request.safe_url
    try:
        with _get_on_same_host(
            request.session,
            request.url,
            request.params,
            request.headers,
            _within(request.timeout, request.deadline_at),
        ) as response:
            status = response.status_code
            body = (
                _read_body(response, request.max_bytes, request.deadline_at, request.deadline)
                if 200 <= status < 300
                else None
            )
    except _LimitReached as exc:
        raise FetchError(safe_url, attempt, str(exc)) from None
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.ReadTimeoutError,
    ) as exc:
        # Refused/reset connections, timeouts (also while reading the body) and truncated bodies.
        return _Failure(redact_text(f"{type(exc).__name__}: {exc}", request.secrets), None, delay)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:  # bad url, bad encoding, ...
        raise FetchError(
            safe_url, attempt, redact_text(f"{type(exc).__name__}: {exc}", request.secrets)
        ) from None
    if (status == _NOT_MODIFIED and request.conditional) or 200 <= status < 300:
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        return FetchResult(status, body, etag, modified, safe_url)  # body None for a 304
    error = f"HTTP {status} {response.reason or ''}".rstrip()
    if status != _TOO_MANY_REQUESTS and status < _RETRY_STATUS_MIN:
        raise FetchError(safe_url, attempt, error, status)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after is not None:
        delay = min(retry_after, max_retry_after)
        error += f" (Retry-After {response.headers.get('Retry-After')!r})"
    return _Failure(error, status, delay)
