"""Digest authentication against an independent client implementation (requests)."""

from requests.auth import HTTPDigestAuth

from povcensus.core import digest

SECRET = b"test-secret"


def _client_header(challenge_header: str, *, method: str, url: str, password: str = "pw") -> str:
    auth = HTTPDigestAuth("dcy01", password)
    auth.init_per_thread_state()
    auth._thread_local.chal = {
        k.strip(): v.strip().strip('"')
        for k, v in (p.split("=", 1) for p in challenge_header[7:].split(", "))
    }
    header = auth.build_digest_header(method, url)
    assert header is not None
    return header


def test_requests_client_response_is_accepted() -> None:
    nonce = digest.make_nonce(SECRET, 1_700_000_000)
    header = _client_header(
        digest.challenge("povcensus", nonce), method="POST", url="http://h/submission?deviceID=abc"
    )
    credentials = digest.parse_authorization(header)
    assert credentials is not None
    assert credentials.uri == "/submission?deviceID=abc"
    ha1 = digest.ha1_for("dcy01", "povcensus", "pw")
    assert digest.response_matches(credentials, ha1=ha1, method="POST")
    assert not digest.response_matches(credentials, ha1=ha1, method="GET")
    assert not digest.response_matches(
        credentials, ha1=digest.ha1_for("dcy01", "povcensus", "other"), method="POST"
    )


def test_nonces_are_ours_and_carry_their_time() -> None:
    nonce = digest.make_nonce(SECRET, 1_700_000_123)
    assert digest.nonce_issued_at(SECRET, nonce) == 1_700_000_123
    assert digest.nonce_issued_at(b"another-secret", nonce) is None
    assert digest.nonce_issued_at(SECRET, "bm90LWEtbm9uY2U=") is None
    assert digest.nonce_issued_at(SECRET, "%%%") is None


def test_stale_flag_in_challenge() -> None:
    assert digest.challenge("r", "n", stale=True).endswith("stale=true")
    assert "stale" not in digest.challenge("r", "n")


def test_non_digest_header_is_ignored() -> None:
    assert digest.parse_authorization("Basic Zm9vOmJhcg==") is None
    assert digest.parse_authorization('Digest username="x"') is None


def test_password_changes_keep_ha1_in_step() -> None:
    from povcensus.accounts.models import User

    user = User(username="dcy99")
    user.set_password("s3cret-pw")
    assert user.openrosa_ha1 == digest.ha1_for("dcy99", "povcensus", "s3cret-pw")
    user.set_password(None)
    assert user.openrosa_ha1 == ""
