// `/devops plan` and `/devops deploy [env]`: config at the PR's head SHA, the head commit's image by digest,
// a pinned plan in the App's check run, the sticky checklist, and the read-only plan run. Any problem the user
// must fix gets one reply and nothing else happens: no check run, no dispatch.
import { ConfigError, parseDeployConfig } from "../../config/load.ts";
import { CONFIG_PATH, type DeployConfig, POLICY_PATH } from "../../config/schema.ts";
import { buildPlan } from "../../plan/build.ts";
import { renderChecklist } from "../../plan/checklist.ts";
import { pin } from "../../plan/hash.ts";
import type { Plan } from "../../plan/types.ts";
import { getAccess } from "../authz/permission.ts";
import { readFileAt } from "../authz/policy.ts";
import { operatorRefusal, who } from "../authz/rules.ts";
import { ImageError, resolveImageDigest } from "../image-digest.ts";
import { inlineCode } from "../markdown.ts";
import { DEFAULT_ENVIRONMENT } from "../names.ts";
import { writePlanCheck } from "../plan-store.ts";
import { type CommandContext, refuse, shortSha, writeChecklist } from "./context.ts";
import { dispatchPlanRun } from "./plan-run.ts";
import { configErrorReply, errorReply, policyOrReply } from "./replies.ts";

export type PlanMode = "plan" | "deploy";

/** Marks a plan-only checklist (display only, like every marker: what counts is the check run). */
export const PLAN_ONLY_NOTE =
  "ℹ️ This is a read-only plan (`/devops plan`): nobody is asked to approve it. Comment `/devops deploy` to plan and ask for approval.";

export async function handlePlan(
  ctx: CommandContext,
  command: { mode: PlanMode; environment?: string },
): Promise<void> {
  const { octokit, repository } = ctx;
  const { owner, repo } = repository;
  const action = `run /devops ${command.mode}`;
  if (!ctx.isPullRequest) {
    await ctx.reply(`\`/devops ${command.mode}\` works on pull requests: comment it on the one to deploy.`);
    return;
  }
  const access = await getAccess({ octokit, owner, repo, login: ctx.sender.login });
  const refusal = operatorRefusal({ login: ctx.sender.login, access, command: `/devops ${command.mode}` });
  if (refusal) {
    await refuse(ctx, { action, refusal, fix: "Ask someone with write access to comment it." });
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: ctx.issueNumber });
  if (pull.state !== "open") {
    await ctx.reply(`This pull request is ${pull.state}: only an open pull request is planned.`);
    return;
  }
  const headSha = pull.head.sha;
  const fork = pull.head.repo?.full_name?.toLowerCase() !== `${owner}/${repo}`.toLowerCase();

  const policyResult = await policyOrReply(ctx);
  if (!policyResult) return;
  const policy = policyResult.policy;

  const configFile = await readFileAt({ octokit, owner, repo, path: CONFIG_PATH, ref: headSha });
  if (!configFile) {
    await ctx.reply(
      `There is no ${inlineCode(CONFIG_PATH)} at ${shortSha(headSha)}: merge the onboarding pull request ` +
        "(or comment `/devops init` to open it), then comment again. Nothing was planned or dispatched.",
    );
    return;
  }
  let config: DeployConfig;
  try {
    config = parseDeployConfig(configFile.text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await ctx.reply(
      configErrorReply({ error, what: "The deploy config is invalid", ref: headSha.slice(0, 7) }),
    );
    return;
  }
  const environment = command.environment ?? defaultEnvironment(config);
  const zone = config.environments[environment]?.dns?.zone;
  if (zone && !policy.allowedZones.some((z) => z.toLowerCase() === zone.toLowerCase())) {
    await refuse(ctx, {
      action,
      refusal: {
        id: "authz:policy-from-default-branch",
        reason:
          `the zone ${inlineCode(zone)} is not in allowedZones of .devops/policy.yml on ` +
          `${repository.defaultBranch} (${policy.allowedZones.map((z) => inlineCode(z)).join(", ") || "none"})`,
      },
      fix: `Add it there (a change to the policy takes effect once merged into ${repository.defaultBranch}).`,
    });
    return;
  }

  let plan: Plan;
  try {
    const tag = `sha-${headSha}`;
    const digest = await resolveImageDigest({
      image: config.app.image,
      tag,
      token: await ctx.installationToken(),
      ...(ctx.options.registryUrl ? { registryUrl: ctx.options.registryUrl } : {}),
      ...(ctx.options.fetch ? { fetch: ctx.options.fetch } : {}),
    });
    plan = buildPlan({
      config,
      environment,
      repository: `${owner}/${repo}`,
      pullNumber: ctx.issueNumber,
      headSha,
      configSha: configFile.sha,
      image: { repository: config.app.image, tag, digest },
      configText: configFile.text,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      await ctx.reply(
        configErrorReply({ error, what: "The deploy config is invalid", ref: headSha.slice(0, 7) }),
      );
      return;
    }
    if (error instanceof ImageError) {
      await ctx.reply(errorReply({ what: "The image could not be pinned", message: error.message }));
      return;
    }
    throw error;
  }

  const pinned = pin(plan);
  await writePlanCheck({ octokit, owner, repo, pinned, detailsUrl: ctx.comment.htmlUrl });
  const notes = [await dispatchPlanRun(ctx, { headSha, pinned })];
  if (command.mode === "plan") notes.push(PLAN_ONLY_NOTE);
  if (fork) {
    notes.push(
      "🍴 This pull request comes from a fork: it is planned for review only and can be approved and applied once merged.",
    );
  }
  const headPolicy = await readFileAt({ octokit, owner, repo, path: POLICY_PATH, ref: headSha });
  if (headPolicy?.sha !== policyResult.sha) {
    notes.push(
      `📜 This pull request changes ${inlineCode(POLICY_PATH)}. Policy is read from ${inlineCode(repository.defaultBranch)} ` +
        "only: the change applies after merge, not to this pull request.",
    );
  }
  let body = renderChecklist({
    pinned,
    state: { status: "planned", requestedBy: ctx.sender.login, approvals: [] },
  });
  // The renderer invites approval for every planned plan; a plan-only checklist must not.
  if (command.mode === "plan") {
    body = body
      .split("\n")
      .filter((line) => !line.startsWith("To approve, "))
      .join("\n");
  }
  body = `${body}\n${notes.join("\n\n")}\n`;
  await writeChecklist(ctx, body);
  ctx.log.info(
    `planned ${pinned.hash} for ${owner}/${repo}#${ctx.issueNumber} (${command.mode}) by ${who(ctx.sender.login)}`,
  );
}

function defaultEnvironment(config: DeployConfig): string {
  const names = Object.keys(config.environments);
  return names.includes(DEFAULT_ENVIRONMENT) ? DEFAULT_ENVIRONMENT : (names[0] ?? DEFAULT_ENVIRONMENT);
}
