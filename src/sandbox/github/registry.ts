// A subset of the OCI distribution API as GHCR serves it, over the twin's package state (world-packages.ts):
// the token dance (`GET /token` with Basic auth → a bearer token for one repository scope) and manifest
// lookups (`HEAD|GET /v2/<name>/manifests/<tag|digest>`). Like GHCR, it answers an anonymous manifest request
// with 401 and a `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge, and unknown names or tags with
// the OCI error envelope. The twin keeps digests, not manifest bytes: a GET's body is a stand-in manifest,
// so clients take the digest from `Docker-Content-Digest` (as `crane digest` does), not by hashing the body.
import { randomBytes } from "node:crypto";
import type { TwinRequest, TwinResponse } from "../http.ts";
import type { PackageVersion, Repo } from "./state.ts";
import { type ExtraRoute, type GithubTwin, installationCovers, levelAllows } from "./twin.ts";

export const REGISTRY_SERVICE = "ghcr.io";
/** The media type every image the twin knows is stored as (publishImage writes OCI image manifests). */
export const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
const REGISTRY_TOKEN_TTL_MS = 5 * 60_000;

interface RegistryToken {
  /** Repository name the token may pull, e.g. `acme/hello-service`. */
  name: string;
  expiresAt: number;
}

/** Registry tokens are short-lived and not part of GitHub's state: kept beside the twin, not in its world. */
const registryTokens = new WeakMap<GithubTwin, Map<string, RegistryToken>>();

export function registryRoutes(twin: GithubTwin): ExtraRoute[] {
  const manifests =
    /^\/v2\/((?:[a-z0-9._-]+\/)*[a-z0-9._-]+)\/manifests\/([A-Za-z0-9_][A-Za-z0-9._:-]{0,127})$/;
  return [
    { method: "GET", pattern: /^\/token$/, handle: (req) => issueToken(twin, req) },
    { method: "GET", pattern: /^\/v2\/?$/, handle: (req) => base(twin, req) },
    { method: "HEAD", pattern: manifests, handle: (req, m) => manifest(twin, req, m, false) },
    { method: "GET", pattern: manifests, handle: (req, m) => manifest(twin, req, m, true) },
  ];
}

function ociError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): TwinResponse {
  return { status, headers, body: { errors: [{ code, message, detail: null }] } };
}

function challenge(twin: GithubTwin, name?: string): Record<string, string> {
  const scope = name ? `,scope="repository:${name}:pull"` : "";
  return { "www-authenticate": `Bearer realm="${twin.url}/token",service="${REGISTRY_SERVICE}"${scope}` };
}

/** `GET /v2/`: the API version check; 401 with a challenge without a token, as GHCR does. */
function base(twin: GithubTwin, req: TwinRequest): TwinResponse {
  if (!bearer(twin, req)) return ociError(401, "UNAUTHORIZED", "authentication required", challenge(twin));
  return { status: 200, headers: { "docker-distribution-api-version": "registry/2.0" }, body: {} };
}

/** The package `<owner>/<package name>` names, and the repository it is linked to. */
function findPackage(twin: GithubTwin, name: string): { repo: Repo; versions: PackageVersion[] } | undefined {
  const [owner, ...rest] = name.split("/");
  const packageName = rest.join("/");
  for (const repo of Object.values(twin.world.repos)) {
    const versions = repo.packages[packageName];
    if (versions && repo.ownerLogin.toLowerCase() === owner?.toLowerCase()) return { repo, versions };
  }
  return undefined;
}

type Credential = { ok: true; canRead: (repo: Repo) => boolean } | { ok: false };

/** Basic auth as `docker login` sends it: any username, a GitHub token as the password. */
function basicCredential(twin: GithubTwin, header: string | undefined): Credential | undefined {
  if (!header) return undefined;
  const match = /^basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return { ok: false };
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const password = decoded.slice(decoded.indexOf(":") + 1);
  const token = twin.world.tokens[password];
  if (!token || new Date(token.expiresAt).getTime() <= twin.clock.now().getTime()) return { ok: false };
  if (token.kind === "user" && token.login) {
    const login = token.login;
    return { ok: true, canRead: (repo) => twin.roleOf(repo, login) !== null };
  }
  const scoped = (repo: Repo) =>
    (token.repositoryIds?.includes(repo.id) ?? token.kind === "installation") &&
    levelAllows(token.permissions?.packages, "read");
  if (token.kind === "run") return { ok: true, canRead: scoped };
  const installation =
    token.installationId !== undefined ? twin.world.installations[token.installationId] : undefined;
  if (!installation) return { ok: false };
  return { ok: true, canRead: (repo) => installationCovers(installation, repo) && scoped(repo) };
}

/** `GET /token?service=…&scope=repository:<name>:pull` → `{token}` for that one repository. */
function issueToken(twin: GithubTwin, req: TwinRequest): TwinResponse {
  const scope = /^repository:((?:[a-z0-9._-]+\/)*[a-z0-9._-]+):([a-z,*]+)$/.exec(
    req.url.searchParams.get("scope") ?? "",
  );
  if (req.url.searchParams.get("service") !== REGISTRY_SERVICE || !scope?.[1]) {
    return ociError(400, "UNSUPPORTED", "service and a repository scope are required");
  }
  const name = scope[1];
  if (!scope[2]?.split(",").includes("pull")) return ociError(403, "DENIED", "only pull is supported");
  const found = findPackage(twin, name);
  const credential = basicCredential(twin, req.headers.authorization);
  if (credential && !credential.ok) return ociError(401, "UNAUTHORIZED", "bad credentials");
  // Anonymous pulls only of public packages; an unknown name gets a token and then NAME_UNKNOWN, so the token
  // endpoint does not reveal which private packages exist.
  const readable = found
    ? credential
      ? credential.canRead(found.repo)
      : !found.repo.private
    : credential !== undefined;
  if (!readable) {
    return credential
      ? ociError(403, "DENIED", "requested access to the resource is denied")
      : ociError(401, "UNAUTHORIZED", "authentication required", challenge(twin, name));
  }
  const value = randomBytes(24).toString("base64url");
  const tokens = registryTokens.get(twin) ?? new Map<string, RegistryToken>();
  registryTokens.set(twin, tokens);
  tokens.set(value, { name, expiresAt: twin.clock.now().getTime() + REGISTRY_TOKEN_TTL_MS });
  return {
    status: 200,
    body: { token: value, expires_in: REGISTRY_TOKEN_TTL_MS / 1000, issued_at: twin.now() },
  };
}

function bearer(twin: GithubTwin, req: TwinRequest): RegistryToken | undefined {
  const match = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  const token = match?.[1] ? registryTokens.get(twin)?.get(match[1]) : undefined;
  return token && token.expiresAt > twin.clock.now().getTime() ? token : undefined;
}

function manifest(
  twin: GithubTwin,
  req: TwinRequest,
  match: RegExpExecArray,
  withBody: boolean,
): TwinResponse {
  const name = match[1] as string;
  const reference = match[2] as string;
  const token = bearer(twin, req);
  if (!token || token.name !== name) {
    return ociError(401, "UNAUTHORIZED", "authentication required", challenge(twin, name));
  }
  const found = findPackage(twin, name);
  if (!found) return ociError(404, "NAME_UNKNOWN", `repository name not known to registry: ${name}`);
  const version = reference.startsWith("sha256:")
    ? found.versions.find((v) => v.name === reference)
    : found.versions.find((v) => v.tags.includes(reference));
  const accept = String(req.headers.accept ?? "");
  const acceptable = accept === "" || accept.includes(MANIFEST_MEDIA_TYPE) || accept.includes("*/*");
  if (!version || !acceptable) return ociError(404, "MANIFEST_UNKNOWN", `manifest unknown: ${reference}`);
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: version.name, size: 2 },
    layers: [],
  });
  return {
    status: 200,
    headers: {
      "content-type": MANIFEST_MEDIA_TYPE,
      "docker-content-digest": version.name,
      "docker-distribution-api-version": "registry/2.0",
      "content-length": String(Buffer.byteLength(body)),
    },
    body: withBody ? body : undefined,
  };
}
