/**
 * `kith-sdk/server`: verifies Kith access tokens in any backend (Node >= 20, Workers, Deno,
 * Bun). No DOM, no wasm.
 */
import type { KithError, KithErrorCode } from "./index.js";

export type { KithErrorCode } from "./index.js";
export { KithError, isKithError } from "./index.js";

/**
 * The codes `verifyAccessToken` throws (a subset of `KithErrorCode`): its own, and those the
 * Worker's session check can answer (`checkRevoked`), passed through with their `status`.
 */
export type ServerErrorCode = Extract<
  KithErrorCode,
  | "invalid_request"
  | "invalid_token"
  | "token_expired"
  | "jwks_unavailable"
  | "session_revoked"
  | "network_error"
  | "rate_limited"
  | "project_not_found"
  | "not_found"
  | "server_error"
>;

export interface VerifyOptions {
  /** The Kith Worker's URL, exactly the tokens' `iss` (keys from `issuer/.well-known/jwks.json`). */
  issuer: string;
  /** The project id: the tokens' `aud`. */
  projectId: string;
  /** Also ask the Worker whether the session is still live (`POST /api/auth/session/check`; answers reused ~5 s per session). Default false. */
  checkRevoked?: boolean;
  /** Allowed clock skew for `exp`/`iat`, seconds: default 5, at most 60. */
  clockTolerance?: number;
  /** The time to check `exp`/`iat` at (tests, replays). Default: now. */
  currentDate?: Date;
  /** The fetch used for the key set and the session check (e.g. a Workers service binding's). Default: the global fetch. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
}

/** The claims of a verified Kith access token (CONTRACT "Keys and discovery"). */
export interface AccessClaims {
  /** Issuer: the Kith Worker's URL. */
  readonly iss: string;
  /** Audience: the project id. */
  readonly aud: string;
  /** The user id. */
  readonly sub: string;
  /** The session id (what `checkRevoked` asks about). */
  readonly sid: string;
  readonly iat: number;
  readonly exp: number;
  readonly email: string | null;
  readonly email_verified: boolean;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  /** How the user signed in, e.g. `["social:google"]`. */
  readonly amr: readonly string[];
}

/**
 * Verifies `token` (ES256 only; `iss` exact, `aud` = `projectId`, `exp` with bounded skew).
 * Rejects with a `KithError`: `invalid_token`, `token_expired`, `jwks_unavailable`,
 * `session_revoked` (with `checkRevoked`), `invalid_request` (bad options), `network_error`.
 */
export declare function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessClaims>;
