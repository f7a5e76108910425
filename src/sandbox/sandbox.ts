// The built-in sandbox: the GitHub twin seeded with a sample repository, and the real App (Probot) wired to it.
// `devops-agent start` without credentials, the demo and end-to-end tests all start it the same way.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ProbotOctokit } from "probot";
import { createDevopsAgentApp } from "../app/app.ts";
import { startAppServer } from "../app/server.ts";
import { CloudflareTwin } from "./cloudflare/twin.ts";
import { addToken, addZone } from "./cloudflare/world.ts";
import { DokployTwin } from "./dokploy/twin.ts";
import { addApiKey } from "./dokploy/world.ts";
import { createGithubTwin } from "./github/index.ts";
import { oidcIssuerUrl } from "./github/oidc.ts";
import type { GithubTwin } from "./github/twin.ts";
import { addApp, addUser, createRepo, installApp } from "./github/world.ts";
import { CLOUDFLARE_EDGE } from "./lab/dns-zones.ts";
import { type Lab, startLab } from "./lab/lab.ts";
import { createProcessRuntime, type ProcessRuntime } from "./lab/process-runtime.ts";
import { sampleAppImage } from "./lab/sample-app-image.ts";
import { manifestPermissions } from "./manifest.ts";

export const SANDBOX = {
  owner: "acme",
  repo: "hello-service",
  /** acme is an organization: its admin, a maintainer, a writer and someone without access. */
  people: { admin: "ada", maintainer: "maya", writer: "wes", outsider: "olga" },
  appSlug: "devops-agent",
  /** The Cloudflare zone the sandbox's Cloudflare twin serves, and the app's public host in it. */
  zone: "example.com",
  host: "hello.example.com",
  /** Where the record points: the lab's front, which stands in for the Dokploy server, listens on loopback. */
  serverAddress: "127.0.0.1",
} as const;

/** Probot's Octokit for talking to the twin: everything as for GitHub except the client-side write spacing. */
// A function default runs last, after Probot's own defaults, so `enabled: false` is not overwritten.
export const SANDBOX_OCTOKIT = ProbotOctokit.defaults((options: { throttle?: object }) => ({
  ...options,
  throttle: { ...options.throttle, enabled: false },
}));

/** The providers the Action drives, and the lab that makes verification real (DNS, TLS, the running app). */
export interface SandboxProviders {
  cloudflare: { twin: CloudflareTwin; apiUrl: string; token: string; zoneId: string };
  dokploy: { twin: DokployTwin; url: string; apiKey: string };
  runtime: ProcessRuntime;
  lab: Lab;
  /** The sandbox CA's certificate, as a file the Action trusts (DEVOPS_AGENT_CA_FILE). */
  caFile: string;
  /** What a self-hosted runner's .env would hold: the Action's runner-local settings, pointing at the lab. */
  runnerEnv: Record<string, string>;
}

export interface Sandbox {
  twin: GithubTwin;
  providers: SandboxProviders;
  appUrl: string;
  appId: number;
  /** Personal tokens of the sandbox's people, to act as them through the REST API. */
  tokens: Record<string, string>;
  stateDir: string | undefined;
  close(): Promise<void>;
}

export interface SandboxOptions {
  stateDir?: string;
  port?: number;
  /**
   * What runs for a deployed image (default: the sample app as a local process). Tests pass a process that
   * fails as a real image fails, to exercise the deployment-failure path end to end.
   */
  resolveImage?: (dockerImage: string) => { cwd: string; command: string[] } | undefined;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const providers = await startProviders(options.resolveImage);
  const twin = await createGithubTwin({
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    runnerEnv: providers.runnerEnv,
  }).start({ port: options.port ?? 0 });
  const fresh = Object.keys(twin.world.repos).length === 0;
  const keys = appKeys(options.stateDir);
  const tokens: Record<string, string> = {};
  addUser(twin, { login: SANDBOX.owner, type: "Organization" });
  for (const login of Object.values(SANDBOX.people)) tokens[login] = addUser(twin, { login }).token;

  let app = Object.values(twin.world.apps).find((a) => a.slug === SANDBOX.appSlug);
  if (fresh) {
    createRepo(twin, {
      owner: SANDBOX.owner,
      name: SANDBOX.repo,
      description: "The sandbox's sample service",
      files: sampleFiles(),
      collaborators: { ada: "admin", maya: "maintain", wes: "write" },
    });
  }
  app ??= addApp(twin, {
    slug: SANDBOX.appSlug,
    ownerLogin: SANDBOX.owner,
    publicKeyPem: keys.publicKey,
    webhookSecret: keys.webhookSecret,
    permissions: manifestPermissions(),
    events: ["installation", "issue_comment", "issues", "pull_request", "push", "workflow_run"],
  });
  const server = await startAppServer({
    appId: app.id,
    privateKey: keys.privateKey,
    webhookSecret: keys.webhookSecret,
    baseUrl: twin.url,
    // The sandbox's image registry is the twin itself (GHCR's OCI protocol, served by the twin).
    app: createDevopsAgentApp({ registryUrl: twin.url }),
    // Probot spaces writes a second apart to respect GitHub's secondary rate limits; the twin has none.
    Octokit: SANDBOX_OCTOKIT,
    // The Action's runs reach the App with ID tokens from the twin's OIDC issuer.
    bridge: { oidcIssuer: oidcIssuerUrl(twin) },
  });
  app.webhookUrl = server.webhookUrl;
  if (!Object.values(twin.world.installations).some((i) => i.appId === app.id)) {
    installApp(twin, {
      appId: app.id,
      account: SANDBOX.owner,
      repositories: [SANDBOX.repo],
      senderLogin: SANDBOX.people.admin,
    });
  }
  await twin.settled();
  return {
    twin,
    providers,
    appUrl: server.url,
    appId: app.id,
    tokens,
    stateDir: options.stateDir,
    async close() {
      await twin.settled();
      await server.close();
      await twin.close();
      await providers.close();
    },
  };
}

/**
 * The Cloudflare and Dokploy twins (fresh each start: only the GitHub twin keeps state), the process runtime that
 * runs what Dokploy deploys, and the lab: DNS from the Cloudflare twin's records over UDP and TCP, a sandbox CA,
 * and an HTTPS front routing each domain to its app.
 */
async function startProviders(
  resolveImage: SandboxOptions["resolveImage"],
): Promise<SandboxProviders & { close(): Promise<void> }> {
  const scratch = mkdtempSync(join(tmpdir(), "devops-agent-lab-"));
  const cloudflare = await new CloudflareTwin().start();
  const zone = addZone(cloudflare, { name: SANDBOX.zone });
  // DNS edit for the records, and Zone Settings read so the plan can warn about an SSL mode that would loop.
  const cfToken = addToken(cloudflare, {
    scopes: ["zone:read", "dns:read", "dns:edit", "zone_settings:read"],
  });
  const runtime = createProcessRuntime({
    resolveImage: resolveImage ?? sampleAppImage({ dataDir: scratch }),
  });
  const dokploy = await new DokployTwin({ runtime }).start();
  const { key } = addApiKey(dokploy, { organizationId: "org-sandbox" });
  const lab = await startLab({ cloudflare, runtime });
  const caFile = join(scratch, "sandbox-ca.pem");
  writeFileSync(caFile, lab.caPem);
  const edge = [CLOUDFLARE_EDGE.ipv4, CLOUDFLARE_EDGE.ipv6].map((a) => `${a}=${SANDBOX.serverAddress}`);
  return {
    cloudflare: { twin: cloudflare, apiUrl: cloudflare.baseURL, token: cfToken.value, zoneId: zone.id },
    dokploy: { twin: dokploy, url: dokploy.url, apiKey: key },
    runtime,
    lab,
    caFile,
    runnerEnv: {
      DEVOPS_AGENT_DNS_RESOLVER: lab.resolver,
      DEVOPS_AGENT_CA_FILE: caFile,
      DEVOPS_AGENT_HTTPS_PORT: String(lab.ports.https),
      DEVOPS_AGENT_HTTP_PORT: String(lab.ports.http),
      DEVOPS_AGENT_CONNECT_TO: edge.join(","),
    },
    async close() {
      await runtime.close();
      await Promise.all([lab.close(), dokploy.close(), cloudflare.close()]);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** The sample service's files, read from src/sandbox/sample-app (shipped with the project). */
export function sampleFiles(): Record<string, string> {
  const root = new URL("./sample-app/", import.meta.url).pathname;
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, "utf8");
    }
  };
  walk(root);
  return files;
}

/** The App's RSA key and webhook secret: generated once, kept in the state directory when there is one. */
function appKeys(stateDir: string | undefined): {
  privateKey: string;
  publicKey: string;
  webhookSecret: string;
} {
  const file = stateDir ? join(stateDir, "app-keys.json") : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const pair = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const keys = {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    webhookSecret: randomBytes(20).toString("hex"),
  };
  if (file && stateDir) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return keys;
}
