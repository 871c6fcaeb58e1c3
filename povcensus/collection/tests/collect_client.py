"""A test client that speaks to the server the way ODK Collect does (tech-notes §1).

It sends Collect's headers (X-OpenRosa-Version and its odd 12-hour Date), adds
``deviceID`` to every request, answers a Digest challenge with an independent Digest
implementation (``requests``), and then sends credentials up front, as Collect's cached
authenticator does.
"""

from __future__ import annotations

from typing import Any

from requests.auth import HTTPDigestAuth

DEVICE_ID = "collect:Xk2b8ZqL9mNpQ7rT"
BOUNDARY = "9431149156168"


class CollectClient:
    def __init__(self, django_client: Any, username: str, password: str) -> None:
        self.client = django_client
        self.auth = HTTPDigestAuth(username, password)
        self.auth.init_per_thread_state()
        self.challenged = False
        self.challenges = 0

    def _headers(self, method: str, url: str) -> dict[str, str]:
        headers = {
            "HTTP_X_OPENROSA_VERSION": "1.0",
            "HTTP_DATE": "Sat, 09 Sep 2023 02:05:11 GMT+08:00",
            "HTTP_ACCEPT_LANGUAGE": "zh-CN",
        }
        if self.challenged:
            headers["HTTP_AUTHORIZATION"] = (
                self.auth.build_digest_header(method, "http://testserver" + url) or ""
            )
        return headers

    def _remember(self, response: Any) -> None:
        challenge = response.get("WWW-Authenticate", "")
        self.auth._thread_local.chal = {
            k.strip(): v.strip().strip('"')
            for k, v in (p.split("=", 1) for p in challenge[7:].split(", "))
        }
        self.challenged = True
        self.challenges += 1

    def request(self, method: str, path: str, body: bytes | None = None) -> Any:
        url = path + ("&" if "?" in path else "?") + f"deviceID={DEVICE_ID}"
        for _ in range(2):
            kwargs: dict[str, Any] = self._headers(method, url)
            if body is not None:
                kwargs["data"] = body
                kwargs["content_type"] = f"multipart/form-data; boundary={BOUNDARY}"
            response = self.client.generic(method, url, **kwargs)
            if response.status_code != 401 or not response.get("WWW-Authenticate", "").startswith(
                "Digest"
            ):
                return response
            if self.challenged and "stale=true" not in response["WWW-Authenticate"]:
                return response  # wrong credentials: Collect would ask the user
            self._remember(response)
        return response

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def head(self, path: str) -> Any:
        return self.request("HEAD", path)

    def post(self, path: str, body: bytes) -> Any:
        return self.request("POST", path, body)
