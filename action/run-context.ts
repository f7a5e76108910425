// What a run of the Action was given, read once: inputs, the runtime's variables, the job token and every secret
// (registered with the runner's masker before anything else happens). Commands take this, never `core` inputs.
import * as core from "@actions/core";
import * as github from "@actions/github";
import type { GithubApi } from "../src/app/plan-store.ts";
import { SecretRegistry } from "../src/runner/secrets.ts";
import { InputError, parseSecretsInput } from "./inputs.ts";

export { InputError };

export const COMMANDS = ["plan", "apply", "verify", "logs", "doctor"] as const;
export type ActionCommand = (typeof COMMANDS)[number];

export interface RunContext {
  command: ActionCommand;
  owner: string;
  repo: string;
  /** GITHUB_RUN_ID */
  runId: number;
  /** GITHUB_REF */
  ref: string;
  runUrl: string;
  apiUrl: string;
  pr: number | undefined;
  headSha: string | undefined;
  planHash: string | undefined;
  approvalCommentId: number | undefined;
  environment: string;
  /** The App's URL (its run bridge), when the workflow names one. */
  appUrl: string | undefined;
  appSlug: string;
  octokit: GithubApi;
  secrets: SecretRegistry;
  /** Runner-local settings (a self-hosted runner's `.env`, or the workflow's `env:`). */
  settings: RunnerSettings;
}

/** Where verification looks and what it trusts: set on the runner, never by a dispatch's inputs. */
export interface RunnerSettings {
  /** `host:port` DNS servers to ask; absent: the zone's authoritative servers. */
  dnsResolver: string[] | undefined;
  /** Path of a PEM bundle trusted beside (not instead of) the system's roots, for TLS verification. */
  caFile: string | undefined;
  httpsPort: number | undefined;
  httpPort: number | undefined;
  /**
   * Resolved address → address to connect to instead (`DEVOPS_AGENT_CONNECT_TO=104.16.0.1=127.0.0.1,…`), as
   * curl's --connect-to: a lab that cannot bind a CDN's addresses maps them to its local front.
   */
  connectTo: Record<string, string> | undefined;
}

export function readRunContext(): RunContext {
  const secrets = new SecretRegistry({ onRegister: (value) => core.setSecret(value) });
  const token = core.getInput("github-token", { required: true });
  secrets.add("github-token", token);
  const secretsJson = core.getInput("secrets");
  if (secretsJson.trim()) secrets.addAll(parseSecretsInput(secretsJson));

  const command = core.getInput("command", { required: true }) as ActionCommand;
  if (!COMMANDS.includes(command)) {
    throw new InputError(`input 'command' must be one of ${COMMANDS.join(", ")}; got '${command}'`);
  }
  const apiUrl = process.env.GITHUB_API_URL ?? "https://api.github.com";
  const serverUrl = process.env.GITHUB_SERVER_URL ?? "https://github.com";
  const { owner, repo } = github.context.repo;
  const runId = Number(process.env.GITHUB_RUN_ID ?? github.context.runId);
  return {
    command,
    owner,
    repo,
    runId,
    ref: process.env.GITHUB_REF ?? github.context.ref,
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}`,
    apiUrl,
    pr: optionalInt("pr"),
    headSha: optional("head-sha"),
    planHash: optional("plan-hash"),
    approvalCommentId: optionalInt("approval-comment-id"),
    environment: core.getInput("environment") || "production",
    appUrl: optional("app-url") ?? process.env.DEVOPS_AGENT_URL,
    appSlug: core.getInput("app-slug") || "devops-agent",
    octokit: github.getOctokit(token, { baseUrl: apiUrl }) as unknown as GithubApi,
    secrets,
    settings: {
      dnsResolver: list(process.env.DEVOPS_AGENT_DNS_RESOLVER),
      caFile: process.env.DEVOPS_AGENT_CA_FILE || undefined,
      httpsPort: port("DEVOPS_AGENT_HTTPS_PORT"),
      httpPort: port("DEVOPS_AGENT_HTTP_PORT"),
      connectTo: pairs("DEVOPS_AGENT_CONNECT_TO"),
    },
  };
}

/** Requires inputs a command cannot run without, naming each one missing. */
export function need<K extends keyof RunContext>(
  ctx: RunContext,
  keys: readonly K[],
): { [P in K]-?: Exclude<RunContext[P], undefined> } {
  const inputName: Partial<Record<keyof RunContext, string>> = {
    pr: "pr",
    headSha: "head-sha",
    planHash: "plan-hash",
    approvalCommentId: "approval-comment-id",
    appUrl: "app-url",
  };
  const missing = keys.filter((k) => ctx[k] === undefined).map((k) => `'${inputName[k] ?? String(k)}'`);
  if (missing.length > 0) {
    throw new InputError(
      `devops-agent ${ctx.command} needs the input${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  }
  return ctx as unknown as { [P in K]-?: Exclude<RunContext[P], undefined> };
}

function optional(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === "" ? undefined : value;
}

function optionalInt(name: string): number | undefined {
  const value = optional(name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InputError(`input '${name}' must be a number; got '${value}'`);
  return Number(value);
}

function list(value: string | undefined): string[] | undefined {
  const items = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

function port(name: string): number | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InputError(`${name} must be a port number (1-65535); got '${value}'`);
  }
  return n;
}

function pairs(name: string): Record<string, string> | undefined {
  const entries = list(process.env[name])?.map((item) => {
    const at = item.lastIndexOf("=");
    if (at <= 0 || at === item.length - 1) {
      throw new InputError(`${name} takes address=address pairs separated by commas; got '${item}'`);
    }
    return [item.slice(0, at), item.slice(at + 1)] as const;
  });
  return entries ? Object.fromEntries(entries) : undefined;
}
