// Replies whose text comes partly from outside the App (config, registry, policy): fenced, never pasted raw.
import type { ConfigError } from "../../config/load.ts";
import { loadPolicy, type PolicyResult } from "../authz/policy.ts";
import { fence } from "../markdown.ts";
import type { CommandContext } from "./context.ts";

export function configErrorReply(options: { error: ConfigError; what: string; ref: string }): string {
  const { error, what, ref } = options;
  const problems = error.problems.map(
    (p) => `${p.file}:${p.line}: ${p.field ? `${p.field}: ` : ""}${p.message}`,
  );
  return [
    `${what} at ${ref}: fix ${error.problems.length === 1 ? "this problem" : "these problems"} and comment again. Nothing was planned or dispatched.`,
    "",
    fence(problems.join("\n"), "text"),
  ].join("\n");
}

export function errorReply(options: { what: string; message: string }): string {
  return `${options.what}. Nothing was planned or dispatched.\n\n${fence(options.message, "text")}`;
}

/**
 * The default branch's policy, or undefined after replying why it is invalid: an invalid policy is refused,
 * never ignored.
 */
export async function policyOrReply(
  ctx: CommandContext,
): Promise<Extract<PolicyResult, { ok: true }> | undefined> {
  const { owner, repo, defaultBranch } = ctx.repository;
  const result = await loadPolicy({ octokit: ctx.octokit, owner, repo, defaultBranch });
  if (result.ok) return result;
  await ctx.reply(
    configErrorReply({ error: result.error, what: "The policy is invalid", ref: defaultBranch }),
  );
  return undefined;
}
