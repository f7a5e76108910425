// `logs`: the running app's recent log through Dokploy, redacted, into the step summary and the `log` output.
import * as core from "@actions/core";
import { loadPolicy } from "../src/app/authz/policy.ts";
import { fence, inlineCode } from "../src/app/markdown.ts";
import { readPlanCheck } from "../src/app/plan-store.ts";
import { buildProviders } from "./providers.ts";
import { InputError, need, type RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

const TAIL = 100;

export async function logs(ctx: RunContext): Promise<boolean> {
  const inputs = need(ctx, ["headSha"]);
  const { data: repository } = await ctx.octokit.rest.repos.get({ owner: ctx.owner, repo: ctx.repo });
  const stored = await readPlanCheck({
    octokit: ctx.octokit,
    owner: ctx.owner,
    repo: ctx.repo,
    headSha: inputs.headSha,
    appSlug: ctx.appSlug,
  });
  if (!stored)
    throw new InputError(`no plan of the App for ${inputs.headSha.slice(0, 7)}: no application to read`);
  const application = stored.pinned.plan.steps.find((s) => s.action === "application.ensure")?.target;
  if (!application) throw new InputError("the plan deploys no Dokploy application");
  const policyResult = await loadPolicy({
    octokit: ctx.octokit,
    owner: ctx.owner,
    repo: ctx.repo,
    defaultBranch: repository.default_branch,
  });
  if (!policyResult.ok) throw policyResult.error;
  const { dokploy } = await buildProviders({
    ctx,
    plan: stored.pinned.plan,
    policy: policyResult.policy,
    readOnly: true,
  });
  if (!dokploy) throw new InputError("the plan deploys no Dokploy application");
  const text = ctx.secrets.redact(await dokploy.readAppLogs(application, { tail: TAIL }));
  await writeSummary(
    ctx,
    `### ${inlineCode(application)}: the last ${TAIL} log lines\n\n${fence(text, "text")}\n`,
  );
  core.setOutput("log", text);
  core.setOutput("result", "pass");
  return true;
}
