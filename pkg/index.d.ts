/** Error codes the SDK can throw: the Worker's codes and the client's own. */
export type KithErrorCode =
  | "state_mismatch"
  | "missing_code_verifier"
  | "network_error"
  | "storage_unavailable"
  | "project_not_found"
  | "provider_not_enabled"
  | "invalid_request"
  | "invalid_grant"
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
  | "provider_unavailable"
  | "unauthorized"
  | "origin_not_allowed"
  | "not_found"
  | "method_not_allowed"
  | "server_error";

/** Thrown by every failing call. */
export declare class KithError extends Error {
  readonly name: "KithError";
  readonly code: KithErrorCode;
  /** HTTP status when the error came from the Worker. */
  readonly status?: number;
  /** With `email_verification_required`: the token to complete `verifyEmail` with. */
  readonly verification_token?: string;
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
  /** Local receipt time, ms since the epoch (device clock). */
  received_at: number;
}

/** Where the session is kept: a built-in Web Storage area, memory, or your own adapter. */
export type StorageOption =
  | "local"
  | "session"
  | "memory"
  | { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };

export interface ClientOptions {
  /** Origin of the Kith Worker, e.g. "https://auth.example.com". */
  baseUrl: string;
  /** The project's id (a UUID). */
  projectId: string;
  projectUserAuth?: {
    /** Refresh the session ahead of expiry, one tab at a time (default true). */
    autoRefresh?: boolean;
    /** Session storage (default "local"). */
    storage?: StorageOption;
    /** Seconds before expiry to refresh (default: a quarter of the lifetime, at most 60). */
    refreshMarginSeconds?: number;
  };
}

export interface SignInWithRedirectOptions {
  /** e.g. "google", "github", "oidc:acme". */
  provider: string;
  /** Where the provider sends the user back; must be one of the project's redirect_urls. */
  redirectUri: string;
  /** Scopes to request instead of the provider's configured ones. */
  scopes?: string[];
}

export interface SignInWithSocialOptions {
  provider: string;
  /** The provider's id_token (Google One Tap, Sign in with Apple JS, native SDKs). */
  id_token: string;
  /** The raw nonce the id_token was requested with. */
  nonce?: string;
}

export type AuthChangeEvent = "SIGNED_IN" | "TOKEN_REFRESHED" | "SIGNED_OUT" | "USER_UPDATED";

export interface ProviderToken {
  access_token: string;
  expires_at: number | null;
  scopes: string[];
}

export interface KithClient {
  signInWithSocial(options: SignInWithSocialOptions): Promise<Session>;
  signInWithRedirect(options: SignInWithRedirectOptions): Promise<void>;
  handleRedirectCallback(): Promise<Session>;
  getSession(): Session | null;
  refreshSession(): Promise<Session>;
  signOut(options?: { scope?: "local" | "global" }): Promise<void>;
  onAuthStateChange(callback: (event: AuthChangeEvent, session: Session | null) => void): () => void;
  getUser(): Promise<User>;
  linkIdentity(options: SignInWithSocialOptions): Promise<User>;
  unlinkIdentity(options: { provider: string }): Promise<User>;
  getProviderToken(options: { provider: string }): Promise<ProviderToken>;
  verifyEmail(options: { verification_token: string; code: string }): Promise<Session>;
  createNonce(): Promise<{ nonce: string; hashedNonce: string }>;
}

export declare function createClient(options: ClientOptions): KithClient;
