// The providers a run needs, built from the Environment's secrets, the default branch's policy (provider URLs)
// and the runner's settings (resolver, trust store). A provider the plan uses but cannot be built is an error
// that names the secret or policy field to set, raised before any step runs.
import { readFile } from "node:fs/promises";
import { Octokit } from "@octokit/rest";
import { PROVIDER_SECRETS } from "../src/app/names.ts";
import type { BridgeClient } from "../src/bridge/client.ts";
import type { Policy } from "../src/config/schema.ts";
import type { Plan } from "../src/plan/types.ts";
import { CloudflareProvider } from "../src/providers/cloudflare/index.ts";
import { DokployProvider } from "../src/providers/dokploy/index.ts";
import { GithubSecretsProvider } from "../src/providers/github/index.ts";
import type { Provider } from "../src/providers/types.ts";
import { VerifyProvider } from "../src/providers/verify/index.ts";
import { InputError, type RunContext } from "./run-context.ts";

export interface RunProviders {
  providers: Provider[];
  dokploy: DokployProvider | undefined;
  cloudflare: CloudflareProvider | undefined;
  verify: VerifyProvider;
}

export interface BuildProvidersOptions {
  ctx: RunContext;
  plan: Plan;
  policy: Policy;
  /** Read-only runs prefer a read-only Cloudflare token when the Environment has one. */
  readOnly: boolean;
  /** How apply gets its short-lived `secrets: write` token; absent on read-only runs. */
  bridge?: BridgeClient;
}

/** The Cloudflare token a plan run prefers: DNS:Read only. Dokploy API keys have no scopes. */
export const CLOUDFLARE_READ_SECRET = "CLOUDFLARE_API_TOKEN_READ";

export async function buildProviders(options: BuildProvidersOptions): Promise<RunProviders> {
  const { ctx, plan, policy } = options;
  const uses = new Set(plan.steps.map((s) => s.provider));
  const providers: Provider[] = [];

  let dokploy: DokployProvider | undefined;
  if (uses.has("dokploy") || plan.steps.some((s) => s.provider === "verify" && s.action === "log")) {
    const url = policy.providers.dokploy?.url;
    if (!url) {
      throw new InputError(
        "the plan deploys to Dokploy, but .devops/policy.yml on the default branch names no server: set providers.dokploy.url",
      );
    }
    dokploy = new DokployProvider({
      url,
      apiKey: secret(ctx, PROVIDER_SECRETS.dokploy, "the Dokploy API key (Dokploy → Settings → API keys)"),
      secrets: (name) => ctx.secrets.get(name.toUpperCase()),
    });
    providers.push(dokploy);
  }

  let cloudflare: CloudflareProvider | undefined;
  if (uses.has("cloudflare")) {
    const readToken = options.readOnly ? ctx.secrets.get(CLOUDFLARE_READ_SECRET) : undefined;
    cloudflare = new CloudflareProvider({
      apiToken:
        readToken ??
        secret(ctx, PROVIDER_SECRETS.cloudflare, "a Cloudflare API token with Zone:Read and DNS:Edit"),
      ...(policy.providers.cloudflare?.url ? { baseURL: policy.providers.cloudflare.url } : {}),
    });
    providers.push(cloudflare);
  }

  if (uses.has("github") && options.bridge && !options.readOnly) {
    const bridge = options.bridge;
    const deployer = dokploy;
    providers.push(
      new GithubSecretsProvider({
        octokit: await secretsOctokit(ctx, bridge),
        owner: ctx.owner,
        repo: ctx.repo,
        // A rollback's secret delete names only the secret; the Environment is the plan's.
        environment: plan.environment,
        values: async (valueFrom) => {
          if (valueFrom !== "dokploy.application.refreshToken" || !deployer) {
            throw new InputError(`no source for a secret value from ${valueFrom}`);
          }
          const application = plan.steps.find((s) => s.action === "application.ensure")?.target;
          if (!application)
            throw new InputError("the plan has no Dokploy application to read the deploy token of");
          const token = await deployer.deployToken(application);
          ctx.secrets.add("dokploy deploy token", token);
          return token;
        },
      }),
    );
  }

  const verify = new VerifyProvider({
    ...(ctx.settings.dnsResolver ? { resolver: ctx.settings.dnsResolver } : {}),
    ...(ctx.settings.caFile ? { ca: [await readFile(ctx.settings.caFile, "utf8")] } : {}),
    ports: {
      ...(ctx.settings.httpsPort ? { https: ctx.settings.httpsPort } : {}),
      ...(ctx.settings.httpPort ? { http: ctx.settings.httpPort } : {}),
    },
    ...(ctx.settings.connectTo
      ? { connectTo: (address: string) => ctx.settings.connectTo?.[address] ?? address }
      : {}),
    readLogs: async (application) => {
      if (!dokploy) throw new InputError("reading the app's log needs the Dokploy provider");
      return dokploy.readAppLogs(application);
    },
  });
  providers.push(verify);
  return { providers, dokploy, cloudflare, verify };
}

function secret(ctx: RunContext, name: string, what: string): string {
  const value = ctx.secrets.get(name);
  if (!value) {
    throw new InputError(
      `the secret ${name} (${what}) is not in the ${ctx.environment} Environment, or the workflow does not pass ` +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, quoted literally
        "`secrets: ${{ toJSON(secrets) }}` to the Action",
    );
  }
  return value;
}

async function secretsOctokit(ctx: RunContext, bridge: BridgeClient): Promise<Octokit> {
  if (ctx.pr === undefined || ctx.planHash === undefined)
    throw new InputError("storing a secret needs 'pr' and 'plan-hash'");
  const { token } = await bridge.token({ pr: ctx.pr, planHash: ctx.planHash, purpose: "secrets" });
  ctx.secrets.add("app installation token", token);
  return new Octokit({ auth: token, baseUrl: ctx.apiUrl });
}

/**
 * What the approver should know that is not a change: a proxied record whose zone SSL mode would make the
 * origin's HTTPS redirect loop. The origin redirects when the plan's Dokploy domain for the host serves HTTPS.
 */
export async function planWarnings(
  plan: Plan,
  cloudflare: CloudflareProvider | undefined,
): Promise<string[]> {
  if (!cloudflare) return [];
  const warnings: string[] = [];
  for (const step of plan.steps.filter((s) => s.provider === "cloudflare")) {
    const host = (step.desired as { name?: string }).name;
    const domain = plan.steps.find((s) => s.action === "domain.ensure" && s.target === host);
    const httpsAtOrigin = (domain?.desired as { https?: boolean } | undefined)?.https === true;
    warnings.push(...(await cloudflare.warnings(step, { httpsAtOrigin })));
  }
  return warnings;
}
