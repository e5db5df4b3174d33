/** Error codes the SDK can throw: the Worker's codes and the client's own. */
export type KithErrorCode =
  | "state_mismatch"
  | "missing_code_verifier"
  | "network_error"
  | "storage_unavailable"
  | "invalid_request"
  | "project_not_found"
  | "provider_not_enabled"
  | "invalid_social_login"
  | "email_verification_required"
  | "signup_disabled"
  | "sign_in_disabled"
  | "email_in_use"
  | "rate_limited"
  | "provider_unavailable"
  | "origin_not_allowed"
  | (string & {});

/** Thrown by every failing call. */
export declare class KithError extends Error {
  readonly name: "KithError";
  readonly code: KithErrorCode;
  /** HTTP status when the error came from the Worker. */
  readonly status?: number;
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

export interface ClientOptions {
  /** Origin of the Kith Worker, e.g. "https://auth.example.com". */
  baseUrl: string;
  /** The project's id (a UUID). */
  projectId: string;
}

export interface SignInWithRedirectOptions {
  /** e.g. "google", "github", "oidc:acme". */
  provider: string;
  /** Where the provider sends the user back; must be one of the project's redirect_urls. */
  redirectUri: string;
  /** Scopes to request instead of the provider's configured ones. */
  scopes?: string[];
}

export interface KithClient {
  signInWithRedirect(options: SignInWithRedirectOptions): Promise<void>;
  handleRedirectCallback(): Promise<Session>;
  getSession(): Session | null;
}

export declare function createClient(options: ClientOptions): KithClient;
