// The twin's Actions OIDC issuer, shaped like token.actions.githubusercontent.com: a job with
// `permissions: id-token: write` gets ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN; @actions/core's getIDToken calls
// `<url>&audience=…` with the request token as bearer and receives `{ value: <RS256 JWT> }`. The signing key
// lives in memory per twin; the public half is served as JWKS so verifiers use jose's createRemoteJWKSet.
import { randomBytes, randomUUID } from "node:crypto";
import {
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type { Clock } from "../clock.ts";
import type { TwinRequest, TwinResponse } from "../http.ts";
import type { ExtraRoute, GithubTwin } from "./twin.ts";

/** The claims of a job's ID token other than iss/aud/iat/nbf/exp/jti, fixed when the job starts. */
export interface ActionsOidcJobClaims {
  sub: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  repository_visibility: "private" | "public";
  ref: string;
  ref_type: "branch" | "tag";
  ref_protected: string;
  sha: string;
  workflow: string;
  workflow_ref: string;
  workflow_sha: string;
  job_workflow_ref: string;
  job_workflow_sha: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  actor: string;
  actor_id: string;
  event_name: string;
  head_ref: string;
  base_ref: string;
  environment?: string;
  runner_environment: "github-hosted";
}

export type ActionsOidcClaims = ActionsOidcJobClaims &
  Required<Pick<JWTPayload, "iss" | "aud" | "iat" | "nbf" | "exp" | "jti">>;

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

interface Issuer {
  key: Promise<{ privateKey: SigningKey; jwk: JWK }>;
  /** request token → the claims of the job it was handed to */
  grants: Map<string, ActionsOidcJobClaims>;
}

const issuers = new WeakMap<GithubTwin, Issuer>();
const TOKEN_TTL_S = 300;

function issuerOf(twin: GithubTwin): Issuer {
  let issuer = issuers.get(twin);
  if (!issuer) {
    const kid = randomBytes(16).toString("hex");
    const key = generateKeyPair("RS256", { extractable: true }).then(async ({ privateKey, publicKey }) => ({
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
    }));
    issuer = { key, grants: new Map() };
    issuers.set(twin, issuer);
  }
  return issuer;
}

/** The issuer URL (`iss`) of the twin's ID tokens. */
export function oidcIssuerUrl(twin: GithubTwin): string {
  return `${twin.url}/_oidc`;
}

/** Where an issuer publishes its keys; the same layout as token.actions.githubusercontent.com. */
export function oidcJwksUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
}

/** Lets one job request ID tokens: returns the two runtime variables the job's Action receives. */
export function grantIdTokenRequests(
  twin: GithubTwin,
  claims: ActionsOidcJobClaims,
): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string } {
  const token = randomBytes(24).toString("base64url");
  issuerOf(twin).grants.set(token, claims);
  // getIDToken appends `&audience=…`, so the URL must already carry a query, as GitHub's does.
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${oidcIssuerUrl(twin)}/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
  };
}

/** Ends a job's right to request ID tokens (when the job ends). */
export function revokeIdTokenRequests(twin: GithubTwin, requestToken: string): void {
  issuerOf(twin).grants.delete(requestToken);
}

/**
 * Verifies an Actions ID token against an issuer's published JWKS (the twin's or GitHub's real one,
 * https://token.actions.githubusercontent.com), checking signature, issuer, audience and lifetime.
 */
export function createActionsOidcVerifier(options: {
  issuer: string;
  audience: string;
  clock?: Clock;
}): (token: string) => Promise<ActionsOidcClaims> {
  const jwks = createRemoteJWKSet(new URL(oidcJwksUrl(options.issuer)));
  return async (token) => {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ["RS256"],
      currentDate: options.clock?.now(),
    });
    return payload as unknown as ActionsOidcClaims;
  };
}

export function oidcRoutes(twin: GithubTwin): ExtraRoute[] {
  return [
    { method: "GET", pattern: /^\/_oidc\/token$/, handle: (req) => issueIdToken(twin, req) },
    {
      method: "GET",
      pattern: /^\/_oidc\/\.well-known\/openid-configuration$/,
      handle: () => ({ status: 200, body: openidConfiguration(oidcIssuerUrl(twin)) }),
    },
    {
      method: "GET",
      pattern: /^\/_oidc\/\.well-known\/jwks$/,
      handle: async () => ({ status: 200, body: { keys: [(await issuerOf(twin).key).jwk] } }),
    },
  ];
}

async function issueIdToken(twin: GithubTwin, req: TwinRequest): Promise<TwinResponse> {
  const bearer = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const claims = bearer ? issuerOf(twin).grants.get(bearer) : undefined;
  if (!claims)
    return {
      status: 401,
      body: { message: "Unauthorized: the request token is missing, unknown or revoked" },
    };
  const audience = req.url.searchParams.get("audience") ?? `${twin.url}/_web/${claims.repository_owner}`;
  const { privateKey, jwk } = await issuerOf(twin).key;
  const iat = Math.floor(twin.clock.now().getTime() / 1000);
  const value = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: jwk.kid as string })
    .setJti(randomUUID())
    .setIssuer(oidcIssuerUrl(twin))
    .setAudience(audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + TOKEN_TTL_S)
    .sign(privateKey);
  return { status: 200, body: { count: 1, value } };
}

function openidConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: oidcJwksUrl(issuer),
    subject_types_supported: ["public", "pairwise"],
    response_types_supported: ["id_token"],
    claims_supported: [
      "sub",
      "aud",
      "exp",
      "iat",
      "iss",
      "jti",
      "nbf",
      "ref",
      "sha",
      "repository",
      "repository_id",
      "repository_owner",
      "repository_owner_id",
      "run_id",
      "run_number",
      "run_attempt",
      "actor",
      "actor_id",
      "workflow",
      "workflow_ref",
      "workflow_sha",
      "job_workflow_ref",
      "job_workflow_sha",
      "event_name",
      "environment",
      "ref_type",
      "ref_protected",
      "runner_environment",
    ],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid"],
  };
}
