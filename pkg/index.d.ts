/**
 * Every error code the SDK can throw: the Kith Worker's codes (README "All error codes"), then
 * the client's own. Closed: a code not listed here is never thrown.
 */
export type KithErrorCode =
  | "project_not_found"
  | "provider_not_enabled"
  | "invalid_request"
  | "invalid_grant"
  | "redirect_not_allowed"
  | "invalid_social_login"
  | "email_verification_required"
  | "signup_disabled"
  | "sign_in_disabled"
  | "email_in_use"
  | "rate_limited"
  | "invalid_refresh_token"
  | "invalid_token"
  | "user_not_found"
  | "identity_already_linked"
  | "last_identity"
  | "identity_not_found"
  | "token_access_denied"
  | "no_provider_token"
  | "provider_token_unsupported"
  | "reauthorization_required"
  | "provider_unavailable"
  | "unauthorized"
  | "origin_not_allowed"
  | "not_found"
  | "method_not_allowed"
  | "server_error"
  | "invalid_code"
  | "verification_expired"
  | "verification_not_found"
  | "too_many_attempts"
  | "too_many_resends"
  | "mailer_not_configured"
  | "mailer_unavailable"
  | "state_mismatch"
  | "missing_code_verifier"
  | "network_error"
  | "storage_unavailable"
  | "token_expired"
  | "jwks_unavailable"
  | "session_revoked";

/** Thrown by every failing call. */
export declare class KithError extends Error {
  readonly name: "KithError";
  readonly code: KithErrorCode;
  /** HTTP status when the error came from the Worker. */
  readonly status?: number;
  /** With `email_verification_required`: the token to complete `verifyEmail` with. */
  readonly verification_token?: string;
  /** With `email_verification_required`: where the code went, masked (`"a***e@example.com"`). */
  readonly email_hint?: string;
  constructor(code: KithErrorCode, message?: string, status?: number);
}

export interface Identity {
  provider: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  linked_at: number;
}

export interface User {
  id: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  picture: string | null;
  roles: string[];
  identities: Identity[];
  created_at: number;
  last_sign_in_at: number;
}

export interface Session {
  access_token: string;
  token_type: "bearer";
  /** Seconds the access token lives, from when it was received. */
  expires_in: number;
  /** Unix seconds (server clock). */
  expires_at: number;
  refresh_token: string;
  user: User;
  /** Local receipt time, ms since the epoch (device clock): the refresh is timed from it and `expires_in`. */
  received_at: number;
  /** Refreshes since the sign-in: orders the sessions tabs hand each other without trusting a clock. */
  generation: number;
}

/** Where the session is kept: a built-in Web Storage area, memory, or your own adapter. */
export type StorageOption =
  | "local"
  | "session"
  | "memory"
  | { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };

export interface ClientOptions {
  /** Origin of the Kith Worker, e.g. "https://auth.example.com": https (plain http only on localhost, 127.0.0.1, [::1]). */
  baseUrl: string;
  /** The project's id (a UUID). */
  projectId: string;
  projectUserAuth?: {
    /** Refresh the session ahead of expiry, one tab at a time (default true). */
    autoRefresh?: boolean;
    /** Session storage (default "local", shared by the tabs; "session" and "memory" are this tab's own). */
    storage?: StorageOption;
    /** Seconds before expiry to refresh (default: a quarter of the lifetime, at most 60). */
    refreshMarginSeconds?: number;
  };
}

export interface SignInWithRedirectOptions {
  /** e.g. "google", "github", "apple", "oidc:acme". */
  provider: string;
  /**
   * Where the user comes back; must be one of the project's redirect_urls. For Apple
   * (`response_mode: "form_post"`) Apple posts to the Worker's relay, which sends the user
   * on to this page (allowlisted exactly) with `code`, `state` and the first-login `user`.
   */
  redirectUri: string;
  /**
   * Scopes to ask for in addition to the provider's configured ones (which are always asked
   * for); Google also gets `include_granted_scopes=true`. The granted scopes are recorded in
   * the vault (`getProviderToken`).
   */
  scopes?: string[];
}

export interface SignInWithSocialOptions {
  provider: string;
  /** The provider's id_token (Google One Tap, Sign in with Apple JS, native SDKs). */
  id_token: string;
  /** The raw nonce the id_token was requested with. */
  nonce?: string;
}

/**
 * `INITIAL_SESSION` comes first, once per subscription, with the session at that moment (or
 * null); the others follow every change, in every tab.
 */
export type AuthChangeEvent = "INITIAL_SESSION" | "SIGNED_IN" | "TOKEN_REFRESHED" | "SIGNED_OUT" | "USER_UPDATED";

/** A provider's own access token, from the Worker's vault. */
export interface ProviderToken {
  access_token: string;
  /** Unix seconds; null when the provider gave no lifetime. */
  expires_at: number | null;
  /** The scopes the provider granted (its `scope` answer, else the configured ones). */
  scopes: string[];
}

export interface LinkIdentityOptions {
  provider: string;
  /** With an id_token: linked at once. Without: the redirect flow, back to `redirectUri`. */
  id_token?: string;
  nonce?: string;
  /** Where the provider sends the user back (default: this page, without its query). */
  redirectUri?: string;
  /** Scopes to ask for in addition to the configured ones (see SignInWithRedirectOptions). */
  scopes?: string[];
}

export interface KithClient {
  /** Signs in with a provider's id_token (Google One Tap, Sign in with Apple JS, native). */
  signInWithSocial(options: SignInWithSocialOptions): Promise<Session>;
  /** Starts a redirect sign-in (PKCE S256 + state + nonce) and navigates to the provider (https only). */
  signInWithRedirect(options: SignInWithRedirectOptions): Promise<void>;
  /**
   * On the redirect page (or with the callback URL): checks the state once, exchanges the code.
   * After `signInWithRedirect` it resolves to the new `Session` (SIGNED_IN); after
   * `linkIdentity` by redirect, to the `User` with the provider linked (USER_UPDATED), or
   * rejects with `identity_already_linked` when the account belongs to another user.
   */
  handleRedirectCallback(url?: string): Promise<Session | User>;
  /** The session while its access token is live; null when signed out or expired (never an expired one). */
  getSession(): Session | null;
  /** A live access token: the current one, or a refreshed one (this tab's or the tab that refreshed). */
  getAccessToken(): Promise<string>;
  /** Refreshes now, one tab at a time; resolves to the new session, whichever tab got it. */
  refreshSession(): Promise<Session>;
  /** Signs out here and in every tab; `scope: "global"` ends every session of the user. */
  signOut(options?: { scope?: "local" | "global" }): Promise<void>;
  /** Calls `callback(event, session)`: INITIAL_SESSION first, then every change. Returns an unsubscribe. */
  onAuthStateChange(callback: (event: AuthChangeEvent, session: Session | null) => void): () => void;
  /** The signed-in user, fresh from the Worker (USER_UPDATED when it changed). */
  getUser(): Promise<User>;
  /** Links another provider account to the signed-in user: with an id_token, at once. */
  linkIdentity(options: LinkIdentityOptions & { id_token: string }): Promise<User>;
  /** Without an id_token: the redirect flow for any provider (navigates away; `handleRedirectCallback` completes it and resolves to the User). */
  linkIdentity(options: LinkIdentityOptions): Promise<User | void>;
  /** Unlinks a provider from the signed-in user (never the last one: `last_identity`). */
  unlinkIdentity(options: { provider: string }): Promise<User>;
  /**
   * The provider's own access token for the signed-in user (code-form sign-ins and links),
   * refreshed by the Worker when stale. Only when the provider's `expose_tokens_to_client`
   * is on (else `token_access_denied`); `reauthorization_required` when the provider revoked
   * the grant; `no_provider_token` when none is stored.
   */
  getProviderToken(options: { provider: string }): Promise<ProviderToken>;
  /** Completes an email verification with the code the user received. */
  verifyEmail(options: { verification_token: string; code: string }): Promise<Session>;
  /**
   * Sends a new code for a pending verification (the old code stops working). At most once a
   * minute (`rate_limited`) and three times per verification (`too_many_resends`).
   */
  resendVerificationEmail(options: { verification_token: string }): Promise<void>;
  /** `{nonce, hashedNonce}` for One Tap / Sign in with Apple JS. */
  createNonce(): Promise<{ nonce: string; hashedNonce: string }>;
  /** Releases listeners, timers, the channel and the lock; the client does nothing afterwards. */
  dispose(): void;
}

/** Creates a client. Synchronous; throws `invalid_request` for a baseUrl that is not https (http only on localhost). */
export declare function createClient(options: ClientOptions): KithClient;

/** Whether `e` is a KithError (also one thrown by another copy of this package). */
export declare function isKithError(e: unknown): e is KithError;
