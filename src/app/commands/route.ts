// The command router: a parsed comment → the handler that may act on it, after the checks every command
// shares (bots, the pull-request-only commands). Authorization specific to a command lives in its handler.
import { getAccess } from "../authz/permission.ts";
import { loadPolicy } from "../authz/policy.ts";
import { botIgnored, isBot, operatorRefusal } from "../authz/rules.ts";
import { handleApprove } from "../handlers/approve.ts";
import { handleCancel } from "../handlers/cancel.ts";
import { type CommandContext, refuse } from "../handlers/context.ts";
import { handlePlan } from "../handlers/plan.ts";
import { handleRollback } from "../handlers/rollback.ts";
import { handleStatus } from "../handlers/status.ts";
import { inlineCode } from "../markdown.ts";
import { runFixCommand, runTriageCommand } from "../triage/index.ts";
import { HELP } from "./help.ts";
import { type Command, type ParseResult, USAGE } from "./parse.ts";

export interface RouteDependencies {
  /** `/devops init`: opens the onboarding pull request (src/app/onboarding). */
  openOnboarding(ctx: CommandContext): Promise<{ number: number | null; created: boolean }>;
}

export async function routeCommand(
  ctx: CommandContext,
  parsed: ParseResult,
  deps: RouteDependencies,
): Promise<void> {
  if (parsed.kind === "none") return;
  if (await ignoredBot(ctx)) return;
  if (parsed.kind === "usage") {
    await ctx.reply(`That is not a devops-agent command (${parsed.problem}). Commands:\n\n${USAGE}`);
    return;
  }
  await run(ctx, parsed.command, deps);
}

async function run(ctx: CommandContext, command: Command, deps: RouteDependencies): Promise<void> {
  switch (command.name) {
    case "help":
      return ctx.reply(HELP);
    case "plan":
      return handlePlan(ctx, { mode: "plan" });
    case "deploy":
      return handlePlan(ctx, {
        mode: "deploy",
        ...(command.environment ? { environment: command.environment } : {}),
      });
    case "approve":
      return handleApprove(ctx, command.hashPrefix ? { hashPrefix: command.hashPrefix } : {});
    case "cancel":
      return handleCancel(ctx);
    case "status":
      return handleStatus(ctx);
    case "triage": {
      // Read-only (it reads a run's logs and comments), so anyone who may comment may ask for it.
      const { owner, repo } = ctx.repository;
      await runTriageCommand({
        octokit: ctx.octokit,
        owner,
        repo,
        issueNumber: ctx.issueNumber,
        log: ctx.log,
        appSlug: ctx.app.slug,
        fetch: ctx.options.fetch,
        ...(command.runUrl ? { runUrl: command.runUrl } : {}),
      });
      return;
    }
    case "rollback":
      return handleRollback(ctx);
    case "init":
    case "logs":
    case "fix":
      return operatorCommand(ctx, command.name, deps);
  }
}

/** Commands for writers and up that are not the plan loop: init and fix here, logs arrives with issue 5. */
async function operatorCommand(
  ctx: CommandContext,
  name: "init" | "logs" | "fix",
  deps: RouteDependencies,
): Promise<void> {
  const { owner, repo } = ctx.repository;
  const access = await getAccess({ octokit: ctx.octokit, owner, repo, login: ctx.sender.login });
  const refusal = operatorRefusal({ login: ctx.sender.login, access, command: `/devops ${name}` });
  if (refusal) {
    await refuse(ctx, { action: `run /devops ${name}`, refusal, fix: "Ask someone with write access." });
    return;
  }
  if (name === "fix") {
    const common = {
      octokit: ctx.octokit,
      owner,
      repo,
      issueNumber: ctx.issueNumber,
      log: ctx.log,
      fetch: ctx.options.fetch,
    };
    await runFixCommand({
      ...common,
      commentId: ctx.comment.id,
      sender: ctx.sender.login,
      appSlug: ctx.app.slug,
    });
    return;
  }
  if (name !== "init") {
    await ctx.reply(`${inlineCode(`/devops ${name}`)} is not available yet; nothing was changed.`);
    return;
  }
  const result = await deps.openOnboarding(ctx);
  await ctx.reply(
    result.number === null
      ? "This repository is already set up: `.devops/deploy.yml` is on the default branch."
      : `${result.created ? "Opened" : "The onboarding pull request is already open:"} #${result.number}.`,
  );
}

/** Bots are ignored unless the default branch's policy names them (and our own App always is). */
async function ignoredBot(ctx: CommandContext): Promise<boolean> {
  if (!isBot(ctx.sender) && ctx.sender.login.toLowerCase() !== `${ctx.app.slug}[bot]`) return false;
  const { owner, repo, defaultBranch } = ctx.repository;
  const result = await loadPolicy({ octokit: ctx.octokit, owner, repo, defaultBranch });
  const ignored =
    !result.ok || botIgnored({ user: ctx.sender, policy: result.policy, appSlug: ctx.app.slug });
  if (ignored) ctx.log.info(`ignored a command from the bot ${ctx.sender.login}`);
  return ignored;
}
