// Builds the plan for one environment from validated config and the head commit's image digest. Pure and
// deterministic: the same inputs give the same plan and so the same hash (no clock, no randomness, no I/O);
// the read-only plan run later fills each step's `expected` from live provider state.
import { isIPv4, isIPv6 } from "node:net";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../config/load.ts";
import { CONFIG_PATH, type DeployConfig, type EnvironmentConfig } from "../config/schema.ts";
import type { ImageRef, Plan, ProviderName, Risk, Step } from "./types.ts";

/** The Actions secret apply stores the Dokploy deploy token in, so later builds can trigger deploys. */
export const DEPLOY_TOKEN_SECRET = "DOKPLOY_DEPLOY_TOKEN";

/**
 * An update's undo puts back what the plan run read: the step's `expected`, unknown when the plan is built.
 * Recorded as this marker rather than a copy so the plan hash does not change when `expected` is filled.
 */
export const RESTORE_EXPECTED = { restore: "expected" } as const;

export interface BuildPlanOptions {
  config: DeployConfig;
  environment: string;
  /** owner/name */
  repository: string;
  pullNumber: number;
  headSha: string;
  /** Blob sha of .devops/deploy.yml at headSha. */
  configSha: string;
  image: ImageRef;
  /** The config's YAML text, when at hand: user errors then name the right line. */
  configText?: string;
}

export function buildPlan(options: BuildPlanOptions): Plan {
  const { config, environment, repository, image } = options;
  const env = config.environments[environment];
  if (!env) throw unknownEnvironment(options);
  if (image.repository !== config.app.image) {
    throw new Error(`buildPlan: image ${image.repository} is not the configured ${config.app.image}`);
  }
  if (!/^sha256:[0-9a-f]{64}$/.test(image.digest)) {
    throw new Error(`buildPlan: ${image.digest} is not a sha256 digest; the plan pins images by digest`);
  }
  const steps = [
    ...dokploySteps(config, env, { repository, environment, image }),
    ...dnsSteps(env, { repository, environment, options }),
    secretStep(environment),
    ...verifySteps(config, env),
  ];
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) throw new Error(`buildPlan: two steps share the id ${step.id}`);
    ids.add(step.id);
  }
  return {
    version: 1,
    repository,
    pullNumber: options.pullNumber,
    environment,
    headSha: options.headSha,
    configSha: options.configSha,
    image: { repository: image.repository, tag: image.tag, digest: image.digest },
    steps,
  };
}

function step(
  provider: ProviderName,
  action: string,
  target: string,
  fields: { risk: Risk; desired: unknown; undo: Step["undo"] },
): Step {
  return { id: `${provider}.${action}:${target}`, provider, action, target, ...fields };
}

/** Everything we create carries this, so we only ever change what is ours (DESIGN: "we touch only what we own"). */
function ownerTag(repository: string, environment: string): string {
  return `managed by devops-agent: ${repository} ${environment}`;
}

function dokploySteps(
  config: DeployConfig,
  env: EnvironmentConfig,
  context: { repository: string; environment: string; image: ImageRef },
): Step[] {
  const project = env.dokploy.project ?? config.app.name;
  const application = env.dokploy.application ?? config.app.name;
  const description = ownerTag(context.repository, context.environment);
  const pinned = `${context.image.repository}@${context.image.digest}`;
  const steps: Step[] = [
    step("dokploy", "project.ensure", project, {
      risk: "create",
      desired: { name: project, description },
      undo: { action: "project.delete", state: { name: project } },
    }),
    step("dokploy", "application.ensure", application, {
      risk: "create",
      desired: { project, name: application, description },
      undo: { action: "application.delete", state: { project, name: application } },
    }),
    step("dokploy", "docker-provider.set", application, {
      risk: "update",
      desired: {
        application,
        image: pinned,
        registry: registryHost(context.image.repository),
        username: context.repository.split("/")[0],
        // The password is an Environment secret the runner reads; the plan carries its name only.
        passwordSecret: env.dokploy.registrySecret,
      },
      undo: { action: "docker-provider.set", state: RESTORE_EXPECTED },
    }),
    step("dokploy", "environment.set", application, {
      risk: "update",
      desired: { application, variables: { ...env.env }, secrets: [...env.secrets].sort() },
      undo: { action: "environment.set", state: RESTORE_EXPECTED },
    }),
  ];
  if (env.domain) {
    const { host, https } = env.domain;
    steps.push(
      step("dokploy", "domain.ensure", host, {
        risk: "create",
        desired: {
          application,
          host,
          port: config.app.port,
          path: "/",
          https,
          certificate: https ? "letsencrypt" : "none",
        },
        undo: { action: "domain.delete", state: { application, host } },
      }),
    );
  }
  steps.push(
    step("dokploy", "application.deploy", application, {
      risk: "update",
      desired: { application, image: pinned, wait: true },
      undo: { action: "application.deploy", state: RESTORE_EXPECTED },
    }),
  );
  return steps;
}

function registryHost(repository: string): string {
  return repository.split("/")[0] as string;
}

/** A → IPv4, AAAA → IPv6 (a CNAME cannot point at an address), CNAME → a host name. */
export function recordType(target: string): "A" | "AAAA" | "CNAME" {
  if (isIPv4(target)) return "A";
  if (isIPv6(target)) return "AAAA";
  return "CNAME";
}

function dnsSteps(
  env: EnvironmentConfig,
  context: { repository: string; environment: string; options: BuildPlanOptions },
): Step[] {
  if (!env.dns) return [];
  const field = `environments.${context.environment}`;
  if (!env.domain) {
    throw configProblem(context.options, [...field.split("."), "dns"], {
      field: `${field}.dns`,
      message: `a DNS record needs a host name: add ${field}.domain.host, or remove ${field}.dns`,
    });
  }
  const { host } = env.domain;
  const { zone, target, proxied } = env.dns;
  if (host !== zone && !host.endsWith(`.${zone}`)) {
    throw configProblem(context.options, [...field.split("."), "dns", "zone"], {
      field: `${field}.dns.zone`,
      message: `${host} is not in the zone ${zone}: set the zone the host belongs to`,
    });
  }
  const type = recordType(target);
  return [
    step("cloudflare", "dns-record.ensure", `${host} ${type}`, {
      risk: "create",
      desired: {
        zone,
        name: host,
        type,
        content: target,
        proxied,
        // 1 is Cloudflare's "automatic"; a proxied record must use it.
        ttl: 1,
        comment: ownerTag(context.repository, context.environment),
      },
      undo: { action: "dns-record.delete", state: { zone, name: host, type } },
    }),
  ];
}

function secretStep(environment: string): Step {
  return step("github", "actions-secret.set", DEPLOY_TOKEN_SECRET, {
    risk: "create",
    desired: {
      name: DEPLOY_TOKEN_SECRET,
      // Beside the provider credentials, in the Environment limited to the default branch (DESIGN rule 6).
      environment,
      // The value exists only in the runner: read from Dokploy at apply, sealed, never in the plan.
      valueFrom: "dokploy.application.refreshToken",
    },
    undo: { action: "actions-secret.delete", state: { name: DEPLOY_TOKEN_SECRET, environment } },
  });
}

function verifySteps(config: DeployConfig, env: EnvironmentConfig): Step[] {
  const read = (action: string, target: string, desired: unknown) =>
    step("verify", action, target, { risk: "read", desired, undo: null });
  const steps: Step[] = [];
  const application = env.dokploy.application ?? config.app.name;
  if (env.domain) {
    const { host, https } = env.domain;
    if (env.dns) {
      const type = recordType(env.dns.target);
      // A proxied name answers with the CDN's addresses, not the origin's.
      steps.push(
        read("dns", host, {
          name: host,
          type,
          answer: env.dns.proxied ? { proxiedBy: "cloudflare" } : env.dns.target,
        }),
      );
    }
    if (https) steps.push(read("tls", host, { host, validFor: host }));
    const url = `${https ? "https" : "http"}://${host}${config.app.health}`;
    steps.push(read("http", url, { url, status: 200 }));
  }
  if (config.app.expectLog) {
    steps.push(read("log", application, { application, contains: config.app.expectLog }));
  }
  return steps;
}

function unknownEnvironment(options: BuildPlanOptions): ConfigError {
  const known = Object.keys(options.config.environments);
  return configProblem(options, ["environments"], {
    field: "environments",
    message:
      `no environment "${options.environment}"; this config defines ${known.join(", ")}: ` +
      `deploy one of those, or add environments.${options.environment}`,
  });
}

function configProblem(
  options: BuildPlanOptions,
  path: string[],
  problem: { field: string; message: string },
): ConfigError {
  return new ConfigError([{ file: CONFIG_PATH, line: lineOf(options.configText, path), ...problem }]);
}

/** The line of the deepest existing node on `path` in the YAML text; 1 when the text is not at hand. */
function lineOf(text: string | undefined, path: string[]): number {
  if (text === undefined) return 1;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}
