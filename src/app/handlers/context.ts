// What a command handler gets: the facts of the comment (from the webhook), an Octokit acting as the
// installation, the App's identity and options, and one way to answer. Built from Probot's context in app.ts;
// handlers never touch Probot, so they stay thin adapters over the kernel and the authz rules.

import type { Refusal } from "../authz/rules.ts";
import { who } from "../authz/rules.ts";
import { inlineCode } from "../markdown.ts";
import { type GithubApi, upsertChecklistComment } from "../plan-store.ts";

export interface AppOptions {
  /** The OCI registry images are resolved in: GHCR by default; the sandbox passes the twin's origin. */
  registryUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** The Actions OIDC issuer the run bridge trusts: https://token.actions.githubusercontent.com by default. */
  oidcIssuer?: string;
  /** The App's public URL: the audience of the run bridge's ID tokens (by default the server's own URL). */
  publicUrl?: string;
}

export interface AppIdentity {
  id: number;
  slug: string;
}

export interface HandlerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RepoFacts {
  owner: string;
  repo: string;
  defaultBranch: string;
  ownerType: string;
}

export interface CommandContext {
  octokit: GithubApi;
  repository: RepoFacts;
  issueNumber: number;
  isPullRequest: boolean;
  comment: { id: number; body: string; createdAt: string; updatedAt: string; htmlUrl: string };
  sender: { login: string; type: string };
  app: AppIdentity;
  options: AppOptions;
  /** The installation token, for the image registry (which takes it as a password). */
  installationToken(): Promise<string>;
  log: HandlerLog;
  /** Posts one comment on the thread. */
  reply(body: string): Promise<void>;
}

/** Every refusal is one reply that says who, what, why, and what would work. */
export async function refuse(
  ctx: CommandContext,
  options: { action: string; refusal: Refusal; fix?: string },
): Promise<void> {
  const fix = options.fix ? ` ${options.fix}` : "";
  ctx.log.info(`refused ${options.action} by ${ctx.sender.login}: ${options.refusal.id}`);
  await ctx.reply(`${who(ctx.sender.login)} cannot ${options.action}: ${options.refusal.reason}.${fix}`);
}

/** Updates (or creates) the App's own sticky checklist on the thread the command came from. */
export async function writeChecklist(ctx: CommandContext, body: string): Promise<void> {
  await upsertChecklistComment({
    octokit: ctx.octokit,
    owner: ctx.repository.owner,
    repo: ctx.repository.repo,
    issueNumber: ctx.issueNumber,
    body,
    appSlug: ctx.app.slug,
  });
}

export function shortSha(sha: string): string {
  return inlineCode(sha.slice(0, 7));
}
