// The Dokploy steps build.ts writes, their `desired` shapes checked at the boundary, and the pure pieces of
// reading and writing them (env text, fingerprints), kept apart from HTTP so they are tested on their own.
import { createHash } from "node:crypto";
import type { Step } from "../../plan/types.ts";
import { ProviderError } from "../types.ts";

export const DOKPLOY_ACTIONS = [
  "project.ensure",
  "application.ensure",
  "docker-provider.set",
  "environment.set",
  "domain.ensure",
  "application.deploy",
] as const;
export type DokployAction = (typeof DOKPLOY_ACTIONS)[number];

/** Prefix of the owner tag build.ts writes as a description (`managed by devops-agent: <repo> <env>`). */
export const OWNER_PREFIX = "managed by devops-agent:";

export interface ProjectDesired {
  name: string;
  description: string;
}
export interface ApplicationDesired {
  project: string;
  name: string;
  description: string;
}
export interface DockerProviderDesired {
  application: string;
  /** Null only in a restore: the application had no image before (the state `read` reported). */
  image: string | null;
  registry: string | null;
  username: string | null;
  /** The Environment secret holding the registry password; absent for a public image. */
  passwordSecret?: string;
}
export interface EnvironmentDesired {
  application: string;
  variables: Record<string, string>;
  secrets: string[];
}
export interface DomainDesired {
  application: string;
  host: string;
  port: number;
  path: string;
  https: boolean;
  certificate: "letsencrypt" | "none" | "custom";
}
export interface DeployDesired {
  application: string;
  image: string;
  wait: true;
}

function bad(step: Step, what: string): ProviderError {
  return new ProviderError({
    provider: "dokploy",
    reason: "bad-step",
    message: `step ${step.id}: desired must name ${what}`,
  });
}

function record(step: Step): Record<string, unknown> {
  const d = step.desired;
  if (typeof d !== "object" || d === null || Array.isArray(d)) throw bad(step, "an object");
  return d as Record<string, unknown>;
}

function str(step: Step, d: Record<string, unknown>, key: string): string {
  const value = d[key];
  if (typeof value !== "string" || value === "") throw bad(step, `${key} (a string)`);
  return value;
}

function optStr(step: Step, d: Record<string, unknown>, key: string): string | null {
  const value = d[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw bad(step, `${key} as a string or null`);
  return value;
}

export function projectDesired(step: Step): ProjectDesired {
  const d = record(step);
  return { name: str(step, d, "name"), description: str(step, d, "description") };
}

export function applicationDesired(step: Step): ApplicationDesired {
  const d = record(step);
  return {
    project: str(step, d, "project"),
    name: str(step, d, "name"),
    description: str(step, d, "description"),
  };
}

export function dockerProviderDesired(step: Step): DockerProviderDesired {
  const d = record(step);
  const passwordSecret = optStr(step, d, "passwordSecret");
  return {
    application: str(step, d, "application"),
    // A forward step always pins an image; a rollback restores what was read before, which may be none.
    image: d.image === null ? null : str(step, d, "image"),
    registry: optStr(step, d, "registry"),
    username: optStr(step, d, "username"),
    ...(passwordSecret ? { passwordSecret } : {}),
  };
}

export function environmentDesired(step: Step): EnvironmentDesired {
  const d = record(step);
  const variables = d.variables ?? {};
  const secrets = d.secrets ?? [];
  if (
    typeof variables !== "object" ||
    variables === null ||
    Array.isArray(variables) ||
    !Object.values(variables).every((v) => typeof v === "string")
  ) {
    throw bad(step, "variables as a map of strings");
  }
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === "string")) {
    throw bad(step, "secrets as a list of names");
  }
  return {
    application: str(step, d, "application"),
    variables: variables as Record<string, string>,
    secrets: [...(secrets as string[])].sort(),
  };
}

export function domainDesired(step: Step): DomainDesired {
  const d = record(step);
  const port = d.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    throw bad(step, "port (1-65535)");
  const https = d.https === true;
  const certificate = d.certificate ?? (https ? "letsencrypt" : "none");
  if (certificate !== "letsencrypt" && certificate !== "none" && certificate !== "custom")
    throw bad(step, "certificate as letsencrypt, none or custom");
  return {
    application: str(step, d, "application"),
    host: str(step, d, "host").trim().toLowerCase().replace(/\.$/, ""),
    port,
    path: optStr(step, d, "path") ?? "/",
    https,
    certificate,
  };
}

export function deployDesired(step: Step): DeployDesired {
  const d = record(step);
  return { application: str(step, d, "application"), image: str(step, d, "image"), wait: true };
}

/** How a secret value is shown anywhere outside the provider: `sha256:` and 16 hex digits. */
export function fingerprint(value: string): string {
  return `sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)}`;
}

/** Dokploy's env text: one `KEY=VALUE` per line. A value with a line break cannot be written this way. */
export function envText(entries: [string, string][]): string {
  return entries.map(([key, value]) => `${key}=${value}`).join("\n");
}

/** Parses env text back; the first `=` splits, blank lines and `#` comments are skipped. */
export function parseEnv(text: string | null): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of (text ?? "").split(/\r?\n/)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) continue;
    env.set(line.slice(0, at).trim(), line.slice(at + 1));
  }
  return env;
}

/**
 * The allow-listed view of an application's env: a variable the plan names shows its value only when it is the
 * desired one (a config value, public); any other value shows as a fingerprint, so a secret stored under a
 * variable's name never leaves. Secrets are listed by name when their live value is the Environment's value.
 */
export function envState(options: {
  application: string;
  text: string | null;
  desired: EnvironmentDesired;
  secret: (name: string) => string | undefined;
}): EnvironmentDesired {
  const live = parseEnv(options.text);
  const wanted = new Set(options.desired.secrets);
  const variables: Record<string, string> = {};
  for (const [key, value] of live) {
    if (wanted.has(key)) continue;
    variables[key] = options.desired.variables[key] === value ? value : fingerprint(value);
  }
  const secrets = options.desired.secrets.filter((name) => {
    const expected = options.secret(name);
    const value = live.get(name);
    return expected !== undefined && value !== undefined && fingerprint(expected) === fingerprint(value);
  });
  return { application: options.application, variables, secrets };
}
