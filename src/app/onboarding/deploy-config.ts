// The proposed .devops/deploy.yml and .devops/policy.yml: built with yaml's Document API so guesses carry a
// trailing `# guess: …` comment and unknowable values (domain, DNS zone and target, the Dokploy URL) are
// `# TODO:` comments, never invented. Each file is parsed back through the config loader before it is
// returned: the onboarding PR never proposes a file the App would then refuse.
import { Document, isMap, isScalar, type Node, type YAMLMap } from "yaml";
import { parseDeployConfig, parsePolicy } from "../../config/load.ts";
import { DEFAULT_ENVIRONMENT } from "../names.ts";
import type { Detected, Detection } from "./detect.ts";

/** When nothing in the repository names a port: a common Node default, loudly marked. */
export const FALLBACK_PORT = 3000;
export const REGISTRY_SECRET = "GHCR_PULL_TOKEN";

function guessComment(detected: Detected<unknown>): string {
  const { evidence } = detected;
  // `# guess: from Dockerfile EXPOSE (line 8)`, `# guess: from a route string (src/server.js line 12)`.
  const where = !evidence
    ? ""
    : detected.source.startsWith(evidence.file)
      ? ` (line ${evidence.line})`
      : ` (${evidence.file} line ${evidence.line})`;
  return ` guess: from ${detected.source}${where}`;
}

function scalarAt(doc: Document, path: string[]): Node {
  const node = doc.getIn(path, true);
  if (!isScalar(node)) throw new Error(`no scalar at ${path.join(".")}`);
  return node;
}

export function deployYaml(detection: Detection): string {
  const port = detection.port?.value ?? FALLBACK_PORT;
  const environment: Record<string, unknown> = {
    dokploy: { registrySecret: REGISTRY_SECRET },
  };
  // The container must listen where the domain routes to; when the app reads PORT and the image does not
  // set it, say it here.
  if (detection.readsPortEnv && !detection.dockerfileSetsPort) environment.env = { PORT: String(port) };
  const doc = new Document({
    version: 1,
    app: {
      name: detection.appName,
      image: detection.image.value,
      port,
      ...(detection.health ? { health: detection.health.value } : {}),
    },
    environments: { [DEFAULT_ENVIRONMENT]: environment },
  });
  doc.commentBefore = " yaml-language-server: $schema=./deploy.schema.json";

  const app = doc.get("app", true) as YAMLMap;
  const firstKey = app.items[0]?.key as Node | undefined;
  if (firstKey)
    firstKey.commentBefore = " Proposed by devops-agent from what the repository shows; check every guess.";
  scalarAt(doc, ["app", "name"]).comment =
    " the Dokploy project and application name (from the repository name)";
  if (detection.image.guess) scalarAt(doc, ["app", "image"]).comment = guessComment(detection.image);
  scalarAt(doc, ["app", "port"]).comment = detection.port
    ? guessComment(detection.port)
    : ` guess: nothing names a port (no Dockerfile EXPOSE, ENV PORT or PORT default) — TODO: set the port the container listens on`;
  if (detection.health) scalarAt(doc, ["app", "health"]).comment = guessComment(detection.health);
  else
    app.comment = [
      " TODO: no health route found (/healthz, /health, /api/health, /_health); the default /healthz is used.",
      " health: /healthz",
    ].join("\n");
  if (environment.env)
    scalarAt(doc, [
      "environments",
      DEFAULT_ENVIRONMENT,
      "env",
      "PORT",
    ]).comment = ` guess: the app reads process.env.PORT (${detection.readsPortEnv?.evidence?.file} line ${detection.readsPortEnv?.evidence?.line}) and the Dockerfile does not set it`;
  scalarAt(doc, ["environments", DEFAULT_ENVIRONMENT, "dokploy", "registrySecret"]).comment =
    " the production Environment secret holding a token that can pull the image";

  const production = doc.getIn(["environments", DEFAULT_ENVIRONMENT], true);
  if (isMap(production)) {
    production.comment = [
      " TODO: the public host name, then uncomment (we cannot know your domain):",
      " domain:",
      "   host: app.example.com",
      "   https: true",
      " TODO: the Cloudflare zone the host lives in (also list it in policy.yml allowedZones) and where the",
      " record points (the Dokploy server's IPv4 address or host name), then uncomment:",
      " dns:",
      "   provider: cloudflare",
      "   zone: example.com",
      "   target: 203.0.113.10",
      "   proxied: false",
    ].join("\n");
  }
  const text = doc.toString({ lineWidth: 0 });
  parseDeployConfig(text);
  return text;
}

export function policyYaml(): string {
  const text = [
    "# yaml-language-server: $schema=./policy.schema.json",
    "# devops-agent policy: read from the default branch only, so a pull request cannot change who approves it.",
    "version: 1",
    "",
    "# Who may /approve. Absent: anyone with maintain or admin permission on the repository.",
    "# approvers:",
    "#   - a-maintainer-login",
    "",
    "# Allow the only maintainer to approve their own request (still never the PR's author or pusher).",
    "soloMaintainer: false",
    "",
    "# TODO: the DNS zones the agent may change, e.g. [example.com]. Empty: no DNS changes at all.",
    "allowedZones: []",
    "",
    "providers: {}",
    "# TODO: the Dokploy server the agent deploys to (its API key goes in the production Environment as",
    "# DOKPLOY_API_KEY), then replace `providers: {}` above with:",
    "# providers:",
    "#   dokploy:",
    "#     url: https://dokploy.example.com",
    "",
    "# Bots whose commands count (logins end in [bot]).",
    "bots: []",
    "",
  ].join("\n");
  parsePolicy(text);
  return text;
}
