/**
 * An OAuth2 strategy written for the tests that follows Passport's Strategy contract the way
 * passport-oauth2 does: `authenticate(req, options)` redirects (state from `_stateStore.store`,
 * PKCE S256 when `pkce` is on) or, on the callback, verifies state with `_stateStore.verify`,
 * exchanges the code, loads the profile, calls the app's verify callback and ends with
 * `this.success / fail / error`. Its default state store needs `req.session`, as passport-oauth2's
 * does — so a login only works if the framework supplies a store of its own.
 */
import { createHash, randomBytes } from "node:crypto";
import type { PassportProfile } from "../../../../src/auth";

type Done = (error: unknown, user?: unknown, info?: unknown) => void;
export type VerifyCallback = (accessToken: string, refreshToken: string, profile: PassportProfile, done: Done) => void;

interface StateStore {
  store(
    req: any,
    verifier: string | undefined,
    state: unknown,
    meta: unknown,
    callback: (error: unknown, handle?: string) => void,
  ): void;
  verify(
    req: any,
    state: string | undefined,
    meta: unknown,
    callback: (error: unknown, ok: boolean | string, info?: unknown) => void,
  ): void;
}

export interface TestStrategyOptions {
  authorizationURL: string;
  tokenURL: string;
  profileURL: string;
  clientID: string;
  clientSecret: string;
  callbackURL?: string;
  pkce?: boolean;
  scope?: string[];
  /** Build it without a state store, like strategies that only accept `options.state`. */
  withoutStateStore?: boolean;
}

/** passport-oauth2's session store, reduced to its precondition. */
const sessionStateStore: StateStore = {
  store(req, _verifier, _state, _meta, callback) {
    if (!req.session) return callback(new Error("OAuth 2.0 authentication requires session support when using state"));
    callback(null, "session-state");
  },
  verify(req, _state, _meta, callback) {
    if (!req.session)
      return callback(new Error("OAuth 2.0 authentication requires session support when using state"), false);
    callback(null, true);
  },
};

export class TestOAuth2Strategy {
  name = "testoauth";
  _stateStore?: StateStore;
  _callbackURL: string | undefined;
  _pkceMethod: "S256" | undefined;

  constructor(
    private readonly options: TestStrategyOptions,
    private readonly verify: VerifyCallback,
  ) {
    this._callbackURL = options.callbackURL;
    this._pkceMethod = options.pkce ? "S256" : undefined;
    if (!options.withoutStateStore) this._stateStore = sessionStateStore;
  }

  // Passport lends these to the object it derives from the strategy; calling them here is an error.
  success(_user: unknown, _info?: unknown): void {
    throw new Error("success() called outside passport");
  }
  fail(_challenge?: unknown, _status?: number): void {
    throw new Error("fail() called outside passport");
  }
  redirect(_url: string, _status?: number): void {
    throw new Error("redirect() called outside passport");
  }
  error(_error: unknown): void {
    throw new Error("error() called outside passport");
  }

  authenticate(req: any, options: Record<string, any> = {}): void {
    if (req.query?.error) {
      if (req.query.error === "access_denied") return this.fail({ message: req.query.error_description });
      return this.error(new Error(req.query.error_description ?? req.query.error));
    }
    const callbackURL: string | undefined = options.callbackURL ?? this._callbackURL;
    const code = req.query?.code ?? req.body?.code;
    if (code) {
      const state = req.query?.state ?? req.body?.state;
      const loaded = (error: unknown, ok: boolean | string, info?: unknown) => {
        if (error) return this.error(error);
        if (!ok) return this.fail(info, 403);
        this.exchange(String(code), callbackURL, typeof ok === "string" ? ok : undefined).catch((failure) =>
          this.error(failure),
        );
      };
      if (this._stateStore) this._stateStore.verify(req, state, {}, loaded);
      else loaded(null, true);
      return;
    }

    const params = new URLSearchParams({ response_type: "code", client_id: this.options.clientID });
    if (callbackURL) params.set("redirect_uri", callbackURL);
    const scope = options.scope ?? this.options.scope;
    if (scope) params.set("scope", scope.join(" "));
    let verifier: string | undefined;
    if (this._pkceMethod) {
      verifier = randomBytes(32).toString("base64url");
      params.set("code_challenge", createHash("sha256").update(verifier).digest("base64url"));
      params.set("code_challenge_method", "S256");
    }
    if (typeof options.state === "string" || !this._stateStore) {
      if (typeof options.state === "string") params.set("state", options.state);
      return this.redirect(`${this.options.authorizationURL}?${params}`);
    }
    this._stateStore.store(req, verifier, options.state, {}, (error, handle) => {
      if (error) return this.error(error);
      if (handle) params.set("state", handle);
      this.redirect(`${this.options.authorizationURL}?${params}`);
    });
  }

  private async exchange(code: string, callbackURL: string | undefined, verifier: string | undefined): Promise<void> {
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code,
      client_id: this.options.clientID,
      client_secret: this.options.clientSecret,
    });
    if (callbackURL) form.set("redirect_uri", callbackURL);
    if (verifier) form.set("code_verifier", verifier);
    const tokenRes = await fetch(this.options.tokenURL, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const token = (await tokenRes.json()) as { access_token?: string; refresh_token?: string; error?: string };
    if (!tokenRes.ok || !token.access_token)
      return this.error(new Error(`Failed to obtain access token: ${token.error}`));
    const profileRes = await fetch(this.options.profileURL, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    if (!profileRes.ok) return this.error(new Error("Failed to fetch user profile"));
    const json = (await profileRes.json()) as Record<string, any>;
    const profile: PassportProfile = {
      provider: "testoauth",
      id: String(json.id),
      displayName: json.name,
      emails: json.email ? [{ value: json.email, verified: json.email_verified }] : [],
      _json: json,
    };
    this.verify(token.access_token, token.refresh_token ?? "", profile, (error, user, info) => {
      if (error) return this.error(error);
      if (!user) return this.fail(info);
      this.success(user, info);
    });
  }
}
