"""Talking to a CKAN portal: ckanapi's RemoteCKAN with timeouts and plain-language failures.

Every failure of the portal (refused connection, timeout, HTTP 500, an answer that is not
CKAN's) becomes a `PortalFailure` whose message says what happened without the
response body, and never the API token (it only travels in a request header).
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import httpx
import requests
from ckanapi import RemoteCKAN
from ckanapi.common import reverse_apicontroller_action
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound, ServerIncompatibleError, ValidationError

from catalog import __version__

__all__ = ["Client", "NotFound", "PortalFailure", "ValidationError", "NotAuthorized", "describe"]


READS = ("_show", "_list", "_search")  # actions that only read


class PortalFailure(Exception):
    """The portal did not do what was asked; `str()` says why, for agency staff."""

    auth = False  # True when the portal refused the token


def describe(error, action, url) -> str:
    if isinstance(error, (requests.exceptions.Timeout, httpx.TimeoutException)):
        return f"the portal at {url} did not answer `{action}` in time (timeout)"
    if isinstance(error, (requests.exceptions.ConnectionError, httpx.TransportError)):
        return f"the portal at {url} refused or dropped the connection during `{action}`"
    if isinstance(error, NotAuthorized):
        return (f"the portal refused `{action}`: the API token is missing, wrong, or lacks the rights "
                "(it must belong to a sysadmin or an editor of the organisations)")
    if isinstance(error, ValidationError):
        details = error.error_dict if isinstance(error.error_dict, dict) else {}
        fields = "; ".join(f"{k}: {v}" for k, v in details.items() if k != "__type") or str(error)
        return f"the portal rejected `{action}`: {fields}"
    if isinstance(error, (CKANAPIError, ServerIncompatibleError)):
        # ckanapi puts [url, status, body] in the message; the body of an HTTP 500 is a whole page.
        status = re.search(r"', (\d{3}), ", str(error))
        code = f"HTTP {status.group(1)}" if status else "an error"
        if '"success"' not in str(error) and (not status or status.group(1) in ("200", "404")):
            # Not CKAN's JSON at all: a web page, another kind of site, a wrong path.
            return (f"{url} does not answer as a CKAN API ({code} to /api/3/action/{action}, not CKAN's JSON); "
                    "give the portal's home address, e.g. https://data.example.fr")
        return f"the portal answered `{action}` with {code} (see the portal's log)"
    return f"`{action}` failed: {error}"


class Client:
    """The few calls the publisher makes; reads return None for what does not exist."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 120):
        self._token = api_key or None
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._headers = {"User-Agent": f"catalog/{__version__}"}
        if api_key:
            self._headers["Authorization"] = api_key
        self._ckan = RemoteCKAN(self.url, apikey=api_key, user_agent=self._headers["User-Agent"] + " (ckanapi)")

    def call(self, action: str, **data):
        # "Not found" from an action every CKAN has means the address is not a CKAN portal.
        return self._call(action, data, missing_ok=action not in ("status_show", "license_list"))

    def _call(self, action: str, data: dict, missing_ok: bool):
        try:
            return self._ckan.call_action(action, data, requests_kwargs={"timeout": (10, self.timeout)})
        except NotFound as error:
            if not missing_ok:  # the action itself is missing: not a CKAN portal at this address
                raise self._failure(CKANAPIError(f"['{action}', 404, 'not found']"), action) from None
            raise NotFound(self._redacted(error.args[0] if error.args else "")) from None
        except ValidationError as error:
            if action.endswith(READS):  # a read the portal calls invalid: the portal, not the data, is at fault
                raise self._failure(ValidationError(self._redacted(error.error_dict)), action) from None
            raise ValidationError(self._redacted(error.error_dict)) from None
        except (requests.exceptions.RequestException, CKANAPIError, ServerIncompatibleError, OSError,
                ValueError) as error:
            raise self._failure(error, action) from None

    def _redacted(self, value):
        """`value` with the token blanked wherever the portal echoed it back (in an error body)."""
        if isinstance(value, str):
            return value.replace(self._token, "***") if self._token else value
        if isinstance(value, dict):
            return {self._redacted(k): self._redacted(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._redacted(v) for v in value]
        return value

    def show(self, action: str, name: str):
        try:
            return self._call(action, {"id": name}, missing_ok=True)
        except NotFound:
            return None

    def upload(self, action: str, path: Path, field: str = "upload", **data):
        """resource_create / resource_patch with the file as a multipart upload."""
        return self.upload_files(action, {field: path}, **data)

    def upload_files(self, action: str, files: dict, **data):
        """An action with files as multipart uploads ({form field: path}); `data` values that are
        not text travel as JSON (package_revise reads its `update`, `filter`… so).

        Sent with httpx, which streams the files in chunks (requests would read them whole
        into memory); the answer is read the way ckanapi reads it, so errors are the same."""
        import json

        url = f"{self.url}/api/3/action/{action}"
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        try:
            with contextlib.ExitStack() as stack:
                parts = {name: (Path(path).name, stack.enter_context(open(path, "rb"))) for name, path in files.items()}
                response = httpx.post(url, data=form, files=parts, headers=self._headers,
                                      timeout=httpx.Timeout(self.timeout, connect=10))
            return reverse_apicontroller_action(url, response.status_code, response.text)
        except NotFound as error:
            raise NotFound(self._redacted(error.args[0] if error.args else "")) from None
        except ValidationError as error:
            raise ValidationError(self._redacted(error.error_dict)) from None
        except (httpx.HTTPError, CKANAPIError, ServerIncompatibleError, OSError, ValueError) as error:
            raise self._failure(error, action) from None

    def _failure(self, error, action):
        failure = PortalFailure(self._redacted(describe(error, action, self.url)))
        failure.auth = isinstance(error, NotAuthorized)
        return failure

    def close(self):
        self._ckan.close()
