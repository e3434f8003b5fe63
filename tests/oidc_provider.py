"""A real OpenID Connect provider for tests, served over HTTP on 127.0.0.1 in the test process.

It speaks enough of OpenID Connect and OAuth 2.0 for HelseID- and ID-porten-style clients:

- discovery (`/.well-known/openid-configuration`) and the key set (`/jwks`, an RSA key made at start)
- pushed authorization requests (`/par`, RFC 9126) with client authentication
- the authorization endpoint (`/authorize`): no user interface; it "logs in" the person the test
  set in `provider.person` (a dict of claims) and redirects back with `code`, `state` and `iss`
  (RFC 9207). It requires PKCE with S256, an exact registered redirect URI, and (for clients
  registered with `require_par`) a valid, unused `request_uri`.
- the token endpoint (`/token`): grant types `authorization_code` (PKCE verified, codes single use)
  and `client_credentials` (for machine clients, e.g. a FHIR API). Clients registered with a public
  key authenticate with private_key_jwt (RFC 7523: signature, iss = sub = client id, aud, exp, jti
  never reused); clients without a key are public clients.
- ID tokens and access tokens are RS256-signed JWTs (joserfc).

`provider.behaviour` makes it misbehave as a compromised or misconfigured provider would: issue
the ID token for another audience or issuer, sign with a key it does not publish, put a given nonce,
let it expire. Everything the clients sent is kept in `provider.seen` for the test to check.

    with OIDCProvider() as provider:
        provider.register_client("client", public_key=key.as_dict(private=False), redirect_uris=[...])
        provider.person = {"sub": "...", "pid": "...", "acr": "idporten-loa-high"}
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet, RSAKey, import_key

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256"]


@dataclass
class Client:
    client_id: str
    keys: KeySet | None  # None: a public client
    redirect_uris: list[str]
    require_par: bool = False
    grant_types: tuple[str, ...] = ("authorization_code",)
    scopes: tuple[str, ...] = ()  # for client_credentials: the scopes it may get


@dataclass
class Behaviour:
    """How the next tokens deviate from a correct provider's (all None: behave)."""

    audience: str | list | None = None  # the ID token's aud
    issuer: str | None = None  # the ID token's iss
    nonce: str | None = None  # the ID token's nonce instead of the request's
    signing_key: Key | None = None  # sign with a key not in the JWKS
    expires_in: int | None = None  # seconds from now; negative: already expired
    issued_at_offset: int = 0  # added to iat
    extra_claims: dict = field(default_factory=dict)  # merged into the ID token last
    response_iss: str | None = None  # the iss parameter in the authorization response
    omit_kid: bool = False


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    claims: dict
    expires_at: float


class OIDCProvider:
    CODE_LIFETIME = 60
    REQUEST_URI_LIFETIME = 90
    TOKEN_LIFETIME = 300

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.signing_key: RSAKey = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        self.signing_key.ensure_kid()
        self.clients: dict[str, Client] = {}
        self.person: dict | None = None  # the person who "logs in" at /authorize
        self.behaviour = Behaviour()
        self.seen: list[dict] = []  # every request, as {"endpoint", "params", ...}
        self.issued: list[dict] = []  # claims of every ID token issued
        self._pushed: dict[str, tuple[str, dict, float]] = {}
        self._codes: dict[str, Grant] = {}
        self._jtis: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.issuer = f"http://{host}:{port}"

    # --- life cycle -----------------------------------------------------------------------------

    def start(self) -> OIDCProvider:
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- configuration --------------------------------------------------------------------------

    def register_client(self, client_id: str, *, public_key=None, redirect_uris=(), require_par=False,
                        grant_types=("authorization_code",), scopes=()) -> Client:
        """`public_key`: a joserfc Key, a JWK dict, a JWKS dict or PEM; None for a public client."""
        keys = None
        if public_key is not None:
            if isinstance(public_key, dict) and "keys" in public_key:
                keys = KeySet.import_key_set(public_key)
            else:
                key = public_key if isinstance(public_key, Key) else import_key(public_key)
                keys = KeySet([import_key(key.as_dict(private=False))])
        client = Client(client_id, keys, list(redirect_uris), require_par, tuple(grant_types), tuple(scopes))
        self.clients[client_id] = client
        return client

    def reset(self) -> None:
        self.behaviour = Behaviour()
        self.person = None
        self.seen.clear()
        self.issued.clear()

    def url(self, path: str) -> str:
        return self.issuer + path

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "pushed_authorization_request_endpoint": self.url("/par"),
            "jwks_uri": self.url("/jwks"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
            "token_endpoint_auth_signing_alg_values_supported": CLIENT_ASSERTION_ALGORITHMS,
            "authorization_response_iss_parameter_supported": True,
            "acr_values_supported": ["Level4", "idporten-loa-substantial", "idporten-loa-high"],
        }

    def jwks(self) -> dict:
        return KeySet([self.signing_key]).as_dict(private=False)

    def seen_at(self, endpoint: str) -> list[dict]:
        return [entry for entry in self.seen if entry["endpoint"] == endpoint]

    # --- tokens ---------------------------------------------------------------------------------

    def sign(self, claims: dict, key: Key | None = None, omit_kid: bool = False) -> str:
        key = key or self.signing_key
        header = {"alg": "RS256"}
        if not omit_kid and key.get("kid"):
            header["kid"] = key.kid
        return jwt.encode(header, claims, key, algorithms=["RS256"])

    def id_token(self, grant: Grant) -> str:
        b = self.behaviour
        now = int(time.time())
        claims = {
            "sub": grant.claims.get("sub") or secrets.token_urlsafe(16),
            "acr": grant.claims.get("acr", ""),
            "auth_time": now,
            **grant.claims,
            "iss": b.issuer or self.issuer,
            "aud": b.audience if b.audience is not None else grant.client_id,
            "iat": now + b.issued_at_offset,
            "exp": now + (b.expires_in if b.expires_in is not None else self.TOKEN_LIFETIME),
        }
        nonce = b.nonce if b.nonce is not None else grant.nonce
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(b.extra_claims)
        with self._lock:
            self.issued.append(claims)
        return self.sign(claims, b.signing_key, b.omit_kid)

    def access_token(self, client_id: str, scope: str, sub: str | None = None, audience: str | None = None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "client_id": client_id, "scope": scope, "iat": now,
                  "exp": now + self.TOKEN_LIFETIME, "jti": secrets.token_urlsafe(16), "sub": sub or client_id}
        if audience:
            claims["aud"] = audience
        return jwt.encode({"alg": "RS256", "kid": self.signing_key.kid, "typ": "at+jwt"}, claims,
                          self.signing_key, algorithms=["RS256"])

    # --- endpoints (called by the handler; return (status, headers, body)) ----------------------

    def authenticate_client(self, params: dict, endpoint_url: str, entry: dict) -> tuple[Client | None, str]:
        """(client, "") or (None, error). Records the verified assertion in `entry` (of `seen`)."""
        client_id = params.get("client_id", "")
        assertion = params.get("client_assertion")
        if assertion:
            if params.get("client_assertion_type") != ASSERTION_TYPE:
                return None, "invalid_client"
            try:
                unverified = json.loads(_b64(assertion.split(".")[1]))
            except (IndexError, ValueError):
                return None, "invalid_client"
            client = self.clients.get(unverified.get("iss", ""))
            if client is None or client.keys is None or (client_id and client_id != client.client_id):
                return None, "invalid_client"
            try:
                token = jwt.decode(assertion, client.keys, algorithms=CLIENT_ASSERTION_ALGORITHMS)
            except JoseError:
                return None, "invalid_client"
            c, now = token.claims, time.time()
            audience = c.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if c.get("sub") != client.client_id or not {self.issuer, endpoint_url} & set(audiences):
                return None, "invalid_client"
            if not isinstance(c.get("exp"), (int, float)) or c["exp"] < now or c["exp"] - now > 300:
                return None, "invalid_client"
            if not c.get("jti"):
                return None, "invalid_client"
            with self._lock:
                if (client.client_id, c["jti"]) in self._jtis:
                    return None, "invalid_client"  # a replayed assertion
                self._jtis.add((client.client_id, c["jti"]))
            entry["client_assertion"] = {"header": token.header, "claims": c}
            return client, ""
        client = self.clients.get(client_id)
        if client is None or client.keys is not None:
            return None, "invalid_client"  # unknown, or a confidential client without its assertion
        return client, ""

    def handle_par(self, params: dict, entry: dict):
        client, error = self.authenticate_client(params, self.url("/par"), entry)
        if client is None:
            return _json(401, {"error": error})
        problem = self._check_authorization_params(client, params)
        if problem:
            return _json(400, {"error": "invalid_request", "error_description": problem})
        request_uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(24)
        with self._lock:
            self._pushed[request_uri] = (client.client_id, dict(params), time.time() + self.REQUEST_URI_LIFETIME)
        return _json(201, {"request_uri": request_uri, "expires_in": self.REQUEST_URI_LIFETIME})

    def _check_authorization_params(self, client: Client, params: dict) -> str:
        if params.get("response_type") != "code":
            return "response_type must be code"
        if params.get("redirect_uri") not in client.redirect_uris:
            return "redirect_uri not registered"
        if "openid" not in params.get("scope", "").split():
            return "scope must include openid"
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return "PKCE with S256 is required"
        return ""

    def handle_authorize(self, params: dict):
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return _text(400, "unknown client")
        if "request_uri" in params:
            with self._lock:
                pushed = self._pushed.pop(params["request_uri"], None)  # single use
            if pushed is None or pushed[0] != client.client_id or pushed[2] < time.time():
                return _text(400, "invalid_request_uri")
            params = pushed[1]
        elif client.require_par:
            return _text(400, "this client must use pushed authorization requests")
        if params.get("redirect_uri") not in client.redirect_uris:
            return _text(400, "redirect_uri not registered")  # never redirect to an unknown address
        redirect_uri, state = params["redirect_uri"], params.get("state")
        problem = self._check_authorization_params(client, params)
        if problem:
            return _redirect(redirect_uri, {"error": "invalid_request", "error_description": problem, "state": state,
                                            "iss": self.issuer})
        if self.person is None:
            return _redirect(redirect_uri, {"error": "access_denied", "state": state, "iss": self.issuer})
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = Grant(client.client_id, redirect_uri, params.get("scope", ""), params.get("nonce"),
                                      params["code_challenge"], dict(self.person), time.time() + self.CODE_LIFETIME)
        iss = self.behaviour.response_iss or self.issuer
        return _redirect(redirect_uri, {"code": code, "state": state, "iss": iss})

    def handle_token(self, params: dict, entry: dict):
        client, error = self.authenticate_client(params, self.url("/token"), entry)
        if client is None:
            return _json(401, {"error": error})
        grant_type = params.get("grant_type")
        if grant_type not in client.grant_types:
            return _json(400, {"error": "unauthorized_client"})
        if grant_type == "client_credentials":
            requested = params.get("scope", "").split()
            if not set(requested) <= set(client.scopes):
                return _json(400, {"error": "invalid_scope"})
            scope = " ".join(requested or client.scopes)
            return _json(200, {"access_token": self.access_token(client.client_id, scope, audience=params.get("resource")),
                               "token_type": "Bearer", "expires_in": self.TOKEN_LIFETIME, "scope": scope})
        with self._lock:
            grant = self._codes.pop(params.get("code", ""), None)  # single use
        if grant is None or grant.client_id != client.client_id or grant.expires_at < time.time():
            return _json(400, {"error": "invalid_grant"})
        if params.get("redirect_uri") != grant.redirect_uri:
            return _json(400, {"error": "invalid_grant", "error_description": "redirect_uri differs"})
        verifier = params.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(create_s256_code_challenge(verifier), grant.code_challenge):
            return _json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        return _json(200, {
            "access_token": self.access_token(client.client_id, grant.scope, sub=grant.claims.get("sub")),
            "token_type": "Bearer", "expires_in": self.TOKEN_LIFETIME, "scope": grant.scope,
            "id_token": self.id_token(grant),
        })


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json(status: int, body: dict):
    return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()


def _text(status: int, body: str):
    return status, {"Content-Type": "text/plain; charset=utf-8"}, body.encode()


def _redirect(uri: str, params: dict):
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return 302, {"Location": uri + ("&" if "?" in uri else "?") + query}, b""


def _handler_for(provider: OIDCProvider):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet
            pass

        def _respond(self, status, headers, body):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urlsplit(self.path)
            params = dict(parse_qsl(url.query))
            provider.seen.append({"endpoint": url.path, "method": "GET", "params": params})
            if url.path == "/.well-known/openid-configuration":
                return self._respond(*_json(200, provider.metadata()))
            if url.path == "/jwks":
                return self._respond(*_json(200, provider.jwks()))
            if url.path == "/authorize":
                return self._respond(*provider.handle_authorize(params))
            return self._respond(*_text(404, "not found"))

        def do_POST(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return self._respond(*_json(400, {"error": "invalid_request"}))
            params = dict(parse_qsl(body))
            entry = {"endpoint": url.path, "method": "POST", "params": params}
            provider.seen.append(entry)
            if url.path == "/par":
                return self._respond(*provider.handle_par(params, entry))
            if url.path == "/token":
                return self._respond(*provider.handle_token(params, entry))
            return self._respond(*_text(404, "not found"))

    return Handler
