// Who is calling the run bridge: a GitHub Actions OIDC token, verified against the issuer's published keys
// (signature, issuer, audience = the App's public URL, RS256, lifetime), then held to what only our dispatch
// workflow on the repository's default branch can present (DESIGN rule 5: only the default branch's workflow
// may hold provider credentials or act for the App). Each refusal says which check failed, never the token.
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from "jose";
import type { Clock } from "../../sandbox/clock.ts";
import { httpStatus } from "../authz/http-status.ts";
import type { RepoFacts } from "../handlers/context.ts";
import { DISPATCH_WORKFLOW_PATH } from "../names.ts";
import type { GithubApi } from "../plan-store.ts";

export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** The claims the bridge relies on; the rest of an Actions ID token is not read. */
export interface CallerClaims {
  repository: string;
  repository_id: string;
  event_name: string;
  ref: string;
  job_workflow_ref: string;
  run_id: string;
  run_attempt?: string;
  actor?: string;
}

export interface BridgeCaller {
  repository: RepoFacts;
  /** The repository's web URL, for links to the caller's run. */
  repositoryUrl: string;
  installationId: number;
  /** Acting as the App's installation on the caller's repository. */
  octokit: GithubApi;
  runId: number;
  claims: CallerClaims;
}

/** A refusal with its HTTP status; the message is safe to send back (it never holds the token). */
export class BridgeRefusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "BridgeRefusal";
    this.status = status;
  }
}

export interface CallerVerifierOptions {
  issuer: string;
  audience: () => string;
  /** The App's JWT-authenticated Octokit (GET /repos/…/installation). */
  appOctokit: () => Promise<GithubApi>;
  /** The installation's Octokit. */
  installationOctokit: (installationId: number) => Promise<GithubApi>;
  clock?: Clock;
}

export function createCallerVerifier(
  options: CallerVerifierOptions,
): (authorization: string | undefined) => Promise<BridgeCaller> {
  const issuer = options.issuer.replace(/\/+$/, "");
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks`));
  return async (authorization) => {
    const token = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization ?? "")?.[1];
    if (!token) {
      throw new BridgeRefusal(
        401,
        "Authorization must be `Bearer <GitHub Actions OIDC token>` (the job needs `permissions: id-token: write`)",
      );
    }
    const claims = await verifyToken({
      token,
      jwks,
      issuer,
      audience: options.audience(),
      clock: options.clock,
    });
    const [owner, repo, ...rest] = claims.repository.split("/");
    if (!owner || !repo || rest.length > 0) {
      throw new BridgeRefusal(403, "the token's repository claim is not owner/name");
    }
    let installationId: number;
    try {
      const appOctokit = await options.appOctokit();
      const { data } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo });
      installationId = data.id;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      throw new BridgeRefusal(403, `the App is not installed on ${claims.repository}`);
    }
    const octokit = await options.installationOctokit(installationId);
    const { data: repository } = await octokit.rest.repos.get({ owner, repo });
    if (String(repository.id) !== claims.repository_id) {
      throw new BridgeRefusal(
        403,
        `the token's repository_id is not ${claims.repository}'s (the repository was renamed or recreated)`,
      );
    }
    const defaultBranch = repository.default_branch;
    const defaultRef = `refs/heads/${defaultBranch}`;
    if (claims.event_name !== "workflow_dispatch") {
      throw new BridgeRefusal(
        403,
        `the run was triggered by ${claims.event_name}, and only the App's workflow_dispatch runs may call the App`,
      );
    }
    if (claims.ref !== defaultRef) {
      throw new BridgeRefusal(403, `the run is on ${claims.ref}, not the default branch ${defaultRef}`);
    }
    const expectedWorkflow = `${repository.full_name}/${DISPATCH_WORKFLOW_PATH}@${defaultRef}`;
    if (claims.job_workflow_ref.toLowerCase() !== expectedWorkflow.toLowerCase()) {
      throw new BridgeRefusal(
        403,
        `the job's workflow is ${claims.job_workflow_ref}, not ${expectedWorkflow} (the dispatch workflow on the default branch)`,
      );
    }
    const runId = Number(claims.run_id);
    if (!Number.isSafeInteger(runId) || runId <= 0) {
      throw new BridgeRefusal(403, "the token's run_id claim is not a run id");
    }
    return {
      repository: {
        owner: repository.owner.login,
        repo: repository.name,
        defaultBranch,
        ownerType: repository.owner.type,
      },
      repositoryUrl: repository.html_url,
      installationId,
      octokit,
      runId,
      claims,
    };
  };
}

async function verifyToken(options: {
  token: string;
  jwks: ReturnType<typeof createRemoteJWKSet>;
  issuer: string;
  audience: string;
  clock: Clock | undefined;
}): Promise<CallerClaims> {
  const { token, jwks, issuer, audience } = options;
  // The issuer is checked before the signature only to say the clearer thing; the signature is checked next.
  let unverifiedIssuer: unknown;
  try {
    unverifiedIssuer = decodeJwt(token).iss;
  } catch {
    throw new BridgeRefusal(401, "the bearer token is not a JWT");
  }
  if (unverifiedIssuer !== issuer) {
    throw new BridgeRefusal(401, `the OIDC token was not issued by ${issuer}`);
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      algorithms: ["RS256"],
      // The runner's issuer and the App are different machines: a minute of clock skew is not an attack.
      clockTolerance: 60,
      ...(options.clock ? { currentDate: options.clock.now() } : {}),
    }));
  } catch (error) {
    throw new BridgeRefusal(401, jwtFailure(error, { issuer, audience }));
  }
  const claims: Partial<CallerClaims> = {};
  for (const name of [
    "repository",
    "repository_id",
    "event_name",
    "ref",
    "job_workflow_ref",
    "run_id",
  ] as const) {
    const value = payload[name];
    if (typeof value !== "string" || value === "") {
      throw new BridgeRefusal(
        401,
        `the OIDC token has no ${name} claim: it is not a GitHub Actions ID token`,
      );
    }
    claims[name] = value;
  }
  if (typeof payload.run_attempt === "string") claims.run_attempt = payload.run_attempt;
  if (typeof payload.actor === "string") claims.actor = payload.actor;
  return claims as CallerClaims;
}

function jwtFailure(error: unknown, expected: { issuer: string; audience: string }): string {
  if (error instanceof errors.JWTExpired) return "the OIDC token has expired: request a fresh one";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return `the OIDC token's audience is not ${expected.audience}`;
    if (error.claim === "iss") return `the OIDC token was not issued by ${expected.issuer}`;
    if (error.claim === "nbf") return "the OIDC token is not valid yet";
    return `the OIDC token's ${error.claim} claim is invalid (${error.reason})`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the OIDC token is not signed with RS256";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) {
    return `the OIDC token's signature does not verify against ${expected.issuer}'s published keys`;
  }
  if (error instanceof errors.JOSEError) return `the OIDC token is invalid (${error.code})`;
  throw error;
}
