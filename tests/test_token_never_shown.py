"""The CKAN token never appears in what `catalog publish ckan` prints.

A small fake portal (a fake is acceptable here: it injects failures a real CKAN does not make)
echoes every request it receives, headers included, in its error answers: a validation error,
a refusal, an HTTP 500 page, a "not found". The token also comes with a line break, and in the
portal's address as `user:TOKEN@host`.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.hub import make_hub

TOKEN = "tok-7f3a9c-SECRET-e21"


class Echo(BaseHTTPRequestHandler):
    mode = "validation"

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        echo = f"{self.command} {self.path}\n{self.headers}\n{self.rfile.read(length).decode('latin-1')}"
        action = self.path.rsplit("/", 1)[-1]
        mode = self.server.mode
        if mode == "writes-fail" and action == "status_show":
            status, body = 200, {"success": True, "result": {"extensions": []}}
        elif mode == "writes-fail" and action == "license_list":
            status, body = 200, {"success": True, "result": []}
        elif mode == "writes-fail" and action.endswith(("_show", "_search", "_list")):
            status, body = 404, {"success": False, "error": {"__type": "Not Found Error", "message": echo}}
        elif mode in ("validation", "writes-fail"):
            status, body = 409, {"success": False, "error": {"__type": "Validation Error", "name": [echo]}}
        elif mode == "forbidden":
            status, body = 403, {"success": False, "error": {"__type": "Authorization Error", "message": echo}}
        elif mode == "not-found":
            status, body = 404, {"success": False, "error": {"__type": "Not Found Error", "message": echo}}
        else:
            status, body = 500, None
        data = (json.dumps(body) if body is not None else f"<html><pre>{echo}</pre></html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if body is not None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


@pytest.fixture
def portal():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.mode = "validation"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def publish(tmp_path, url, token=TOKEN, *extra):
    if not (tmp_path / "hub").exists():
        make_hub(tmp_path / "hub")
    result = CliRunner().invoke(main, ["publish", "ckan", "--url", url, "--root", str(tmp_path / "hub"),
                                       "--out", str(tmp_path / "packages"), "--timeout", "5", *extra],
                                env={"CKAN_API_KEY": token})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.mark.parametrize("mode", ["validation", "forbidden", "server-error", "not-found", "writes-fail"])
def test_an_echoing_portal_never_gets_the_token_printed(tmp_path, portal, mode):
    portal.mode = mode
    result = publish(tmp_path, portal.url)
    assert result.exit_code != 0
    assert TOKEN not in result.output


@pytest.mark.parametrize("token", [TOKEN + "\nX-Injected: 1", TOKEN + " " + TOKEN, "\u00e9" + TOKEN])
def test_a_token_with_a_line_break_or_a_space_is_refused_unseen(tmp_path, portal, token):
    result = publish(tmp_path, portal.url, token)
    assert result.exit_code == 2
    assert "CKAN_API_KEY" in result.output and TOKEN not in result.output


def test_a_token_in_the_address_is_removed_with_a_warning(tmp_path, portal):
    portal.mode = "writes-fail"
    host = portal.url.split("://", 1)[1]
    result = publish(tmp_path, f"http://user:{TOKEN}@{host}", "other-token", "--dry-run")
    assert TOKEN not in result.output
    assert "user name or password" in result.output
