// Resolves the head commit's image tag to the digest the plan pins, through the OCI distribution API (what
// `docker pull` and `crane digest` speak): HEAD the manifest, and on 401 follow the Bearer challenge to the
// registry's token endpoint with the GitHub installation token as the password. GitHub's packages REST API
// would be simpler but refuses GitHub App installation tokens (`enabledForGitHubApps: false`), so the App
// asks the registry itself, as GHCR lets any token that can read the linked repository do.
import { createHash } from "node:crypto";

/** Manifest types we accept: a multi-platform index first (its digest is what a pull by digest resolves). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export const GHCR_URL = "https://ghcr.io";

/** A problem the user must act on (no image yet, no access); its message says what to do. */
export class ImageError extends Error {
  readonly code: "not-found" | "denied" | "unsupported" | "registry";
  constructor(code: ImageError["code"], message: string) {
    super(message);
    this.name = "ImageError";
    this.code = code;
  }
}

export interface ResolveImageDigestOptions {
  /** `ghcr.io/owner/repo` (from config: PR content, so it never chooses where our token goes). */
  image: string;
  /** `sha-<headSha>` */
  tag: string;
  /** The registry's base URL; by default GHCR. The sandbox passes the twin's URL. */
  registryUrl?: string;
  /** A GitHub token that can read the package's linked repository (the installation token). */
  token: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

export async function resolveImageDigest(options: ResolveImageDigestOptions): Promise<string> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const { host, name } = splitImage(options.image);
  // The token is only ever sent to the registry we chose, never to a host named by the config: without an
  // explicit registryUrl the image must be on GHCR.
  if (!options.registryUrl && host !== "ghcr.io") {
    throw new ImageError(
      "unsupported",
      `${options.image}: only ghcr.io images can be resolved (the App's GitHub token is only ever sent to GHCR); ` +
        "set app.image in .devops/deploy.yml to ghcr.io/<owner>/<name>",
    );
  }
  const registry = new URL(options.registryUrl ?? GHCR_URL);
  const shown = `${options.image}:${options.tag}`;
  const manifestUrl = new URL(
    `/v2/${name}/manifests/${encodeURIComponent(options.tag)}`,
    registry,
  ).toString();
  const request = (method: "HEAD" | "GET", bearer?: string) =>
    doFetch(manifestUrl, {
      method,
      headers: { accept: MANIFEST_ACCEPT, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });

  let response = await request("HEAD");
  let bearer: string | undefined;
  if (response.status === 401) {
    bearer = await registryToken({
      challenge: response.headers.get("www-authenticate") ?? "",
      registry,
      name,
      token: options.token,
      fetch: doFetch,
      timeoutMs,
      shown,
    });
    response = await request("HEAD", bearer);
  }
  if (response.status === 404) {
    throw new ImageError(
      "not-found",
      `no image ${shown} yet: has the build workflow run for this commit? ` +
        "It pushes the image tagged sha-<commit>; wait for it to finish, then comment `/devops deploy` again.",
    );
  }
  if (response.status === 401 || response.status === 403) throw denied(shown, response.status);
  if (!response.ok) throw new ImageError("registry", `the registry answered ${response.status} for ${shown}`);
  const digest = response.headers.get("docker-content-digest") ?? (await digestFromGet(request, bearer));
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new ImageError(
      "registry",
      `the registry gave ${shown} the digest "${digest}", not a sha256 digest`,
    );
  }
  return digest;
}

/** Some registries omit the digest header on HEAD: then GET the manifest and hash its exact bytes. */
async function digestFromGet(
  request: (method: "GET", bearer?: string) => Promise<Response>,
  bearer: string | undefined,
): Promise<string> {
  const response = await request("GET", bearer);
  if (!response.ok)
    throw new ImageError("registry", `the registry answered ${response.status} to a manifest GET`);
  const header = response.headers.get("docker-content-digest");
  if (header) return header;
  const bytes = Buffer.from(await response.arrayBuffer());
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function denied(shown: string, status: number): ImageError {
  return new ImageError(
    "denied",
    `the registry refused to show ${shown} (${status}): the package must be linked to this repository ` +
      "(the build workflow's `org.opencontainers.image.source` label) so the App's installation can read it",
  );
}

function splitImage(image: string): { host: string; name: string } {
  const match = /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9._/-]+)$/.exec(image);
  if (!match?.[1] || !match[2]) {
    throw new ImageError("unsupported", `${image} is not an image repository such as ghcr.io/owner/repo`);
  }
  return { host: match[1], name: match[2] };
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters (RFC 7235 auth-params, quoted or token values). */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const match = /^\s*bearer\s+(.*)$/i.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/gi;
  for (const part of match[1].matchAll(pattern)) {
    params[(part[1] as string).toLowerCase()] =
      part[2] !== undefined ? part[2].replace(/\\(.)/g, "$1") : (part[3] as string);
  }
  return params;
}

async function registryToken(options: {
  challenge: string;
  registry: URL;
  name: string;
  token: string;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  shown: string;
}): Promise<string> {
  const params = parseBearerChallenge(options.challenge);
  if (!params?.realm) {
    throw new ImageError(
      "registry",
      `the registry asked for authentication without a Bearer realm for ${options.shown}`,
    );
  }
  const realm = new URL(params.realm, options.registry);
  // Our GitHub token goes to the token endpoint of the registry we asked, never to a realm elsewhere.
  if (realm.origin !== options.registry.origin) {
    throw new ImageError(
      "registry",
      `the registry's token endpoint ${realm.origin} is not ${options.registry.origin}; refusing to send credentials`,
    );
  }
  if (params.service) realm.searchParams.set("service", params.service);
  realm.searchParams.set("scope", params.scope ?? `repository:${options.name}:pull`);
  const basic = Buffer.from(`devops-agent:${options.token}`).toString("base64");
  const response = await options.fetch(realm, {
    headers: { authorization: `Basic ${basic}` },
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: "error",
  });
  if (response.status === 401 || response.status === 403) throw denied(options.shown, response.status);
  if (!response.ok) {
    throw new ImageError(
      "registry",
      `the registry's token endpoint answered ${response.status} for ${options.shown}`,
    );
  }
  const body = (await response.json()) as { token?: unknown; access_token?: unknown };
  const value = typeof body.token === "string" ? body.token : body.access_token;
  if (typeof value !== "string" || value === "") {
    throw new ImageError("registry", "the registry's token endpoint returned no token");
  }
  return value;
}
