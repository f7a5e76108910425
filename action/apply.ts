// `apply`: an approved plan only. Re-verify the approval from GitHub itself (DESIGN rule 5) before any provider
// is built, then run the plan through the kernel's runner, tick the App's checklist as steps complete (through
// the App's run bridge, coalesced), record the Deployment's progress, triage a failed deployment's log with the
// same engine as CI failures, and report every step and verification with its evidence in the thread.
import * as core from "@actions/core";
import { BridgeError, coalesce, createBridgeClient } from "../src/bridge/client.ts";
import type { Plan } from "../src/plan/types.ts";
import { DeploymentFailedError } from "../src/providers/dokploy/index.ts";
import { type ApplyResult, applyPlan, type StepOutcome } from "../src/runner/apply.ts";
import { verifyApproval } from "../src/runner/gate.ts";
import { renderApplyReport, renderRefusal } from "../src/runner/report.ts";
import { diagnose } from "../src/triage/index.ts";
import type { Diagnosis } from "../src/triage/types.ts";
import { checkOutputs, describeWith } from "./checks.ts";
import { buildProviders, planWarnings } from "./providers.ts";
import { need, type RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

const LOG_TAIL_LINES = 60;

export async function apply(ctx: RunContext): Promise<boolean> {
  const inputs = need(ctx, ["pr", "headSha", "planHash", "approvalCommentId", "appUrl"]);
  const gate = await verifyApproval(ctx.octokit, {
    owner: ctx.owner,
    repo: ctx.repo,
    pr: inputs.pr,
    headSha: inputs.headSha,
    planHash: inputs.planHash,
    approvalCommentId: inputs.approvalCommentId,
    runId: ctx.runId,
    ref: ctx.ref,
    appSlug: ctx.appSlug,
  });
  if (!gate.ok) {
    const body = renderRefusal({ ...gate.refusal, runUrl: ctx.runUrl });
    await ctx.octokit.rest.issues.createComment({
      owner: ctx.owner,
      repo: ctx.repo,
      issue_number: inputs.pr,
      body,
    });
    await writeSummary(ctx, body);
    core.setOutput("result", "refused");
    core.setFailed(
      `apply refused: ${stripMarkdown(gate.refusal.reason)} (${gate.refusal.id}); nothing was changed`,
    );
    return false;
  }
  const { pinned, policy, deploymentId } = gate;
  const plan = pinned.plan;
  const bridge = createBridgeClient({
    appUrl: inputs.appUrl,
    getIdToken: (audience) => core.getIDToken(audience),
  });
  await deploymentStatus(ctx, deploymentId, "in_progress", {
    description: `applying plan ${pinned.hash.slice(0, 12)}`,
  });

  let result: ApplyResult;
  let triage: { diagnosis: Diagnosis; logTail: string } | undefined;
  let warnings: string[] = [];
  const progress = coalesce(
    (outcomes: readonly StepOutcome[]) =>
      bridge.progress({
        pr: inputs.pr,
        planHash: pinned.hash,
        status: "applying",
        steps: checklistSteps(outcomes),
      }),
    { intervalMs: 2000 },
  );
  try {
    const { providers, verify, cloudflare } = await buildProviders({
      ctx,
      plan,
      policy,
      readOnly: false,
      bridge,
    });
    warnings = await planWarnings(plan, cloudflare);
    result = await applyPlan({
      plan,
      providers,
      onProgress: (outcomes) => {
        for (const o of outcomes) if (o.status === "running") core.info(`→ ${o.id}`);
        progress.push(outcomes);
      },
      describe: describeWith(verify),
    });
  } catch (error) {
    // Building a provider failed (a missing secret or policy field): nothing ran.
    result = {
      ok: false,
      outcomes: plan.steps.map((s) => ({ id: s.id, status: "pending" })),
      changed: [],
      undo: [],
      failure: error,
    };
  }
  await progress
    .flush()
    .catch((error: unknown) => core.warning(`could not tick the checklist: ${messageOf(error)}`));

  if (result.failure instanceof DeploymentFailedError) {
    const log = ctx.secrets.redact(result.failure.log ?? "");
    triage = { diagnosis: await diagnose(log), logTail: tail(log, LOG_TAIL_LINES) };
  }
  const appUrl = appUrlOf(plan);
  const body = renderApplyReport({
    plan,
    hash: pinned.hash,
    result,
    runUrl: ctx.runUrl,
    ...(appUrl && result.ok ? { appUrl } : {}),
    ...(triage ? { deployment: { ...triage, showLog: gate.repositoryPrivate || policy.postLogs } } : {}),
    ...(result.failure && !result.stoppedAt ? { setupError: messageOf(result.failure) } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    redact: (text) => ctx.secrets.redact(text),
  });
  const posted = ctx.secrets.redact(body);
  await ctx.octokit.rest.issues.createComment({
    owner: ctx.owner,
    repo: ctx.repo,
    issue_number: inputs.pr,
    body: posted,
  });
  await writeSummary(ctx, posted);
  const final = {
    pr: inputs.pr,
    planHash: pinned.hash,
    status: result.ok ? ("done" as const) : ("failed" as const),
    steps: checklistSteps(result.outcomes),
    detail: ctx.secrets.redact(result.ok ? "applied and verified" : failureLine(result)),
  };
  const undo = undoToSend(ctx, result);
  await bridge
    .progress({ ...final, ...undo })
    .catch((error: unknown) => {
      // An App that will not keep the undo records must still complete the checklist.
      if (!(error instanceof BridgeError && error.status === 400 && undo.undo)) throw error;
      core.warning(`the App did not keep the undo records (${messageOf(error)}): no rollback is offered`);
      return bridge.progress(final);
    })
    .catch((error: unknown) => core.warning(`could not complete the checklist: ${messageOf(error)}`));
  await deploymentStatus(ctx, deploymentId, result.ok ? "success" : "failure", {
    description: result.ok ? "applied and verified" : failureLine(result).slice(0, 140),
    ...(appUrl && result.ok ? { environmentUrl: appUrl } : {}),
  });
  const checks = checkOutputs(ctx, plan, result.outcomes);
  core.setOutput("result", result.ok ? "pass" : "fail");
  core.setOutput("checks", JSON.stringify(checks));
  core.setOutput("changed", JSON.stringify(result.changed));
  if (!result.ok) core.setFailed(ctx.secrets.redact(`apply failed: ${failureLine(result)}`));
  return result.ok;
}

/**
 * The undo records the App stores with the plan for `/devops rollback`. Their states hold fingerprints, never
 * values (providers read field by field); should a registered secret value appear anyway, they are withheld
 * whole rather than redacted, since a redacted name or id would plan a wrong rollback.
 */
function undoToSend(ctx: RunContext, result: ApplyResult): { undo?: ApplyResult["undo"] } {
  if (result.undo.length === 0) return {};
  const json = JSON.stringify(result.undo);
  const leaked = ctx.secrets.names().some((name) => {
    const value = ctx.secrets.get(name);
    return value !== undefined && value.length > 0 && json.includes(value);
  });
  if (!leaked) return { undo: result.undo };
  core.warning("the undo records hold a secret value: withheld, so no rollback is offered for this run");
  return {};
}

/** The checklist's step states: only what the App's checklist knows (pending, done, skipped, failed). */
function checklistSteps(
  outcomes: readonly StepOutcome[],
): Record<string, "pending" | "done" | "skipped" | "failed"> {
  return Object.fromEntries(
    outcomes.map((o) => [
      o.id,
      o.status === "done"
        ? "done"
        : o.status === "skipped"
          ? "skipped"
          : o.status === "failed" || o.status === "drift"
            ? "failed"
            : "pending",
    ]),
  );
}

async function deploymentStatus(
  ctx: RunContext,
  deploymentId: number,
  state: "in_progress" | "success" | "failure",
  extra: { description: string; environmentUrl?: string },
): Promise<void> {
  try {
    await ctx.octokit.rest.repos.createDeploymentStatus({
      owner: ctx.owner,
      repo: ctx.repo,
      deployment_id: deploymentId,
      state,
      log_url: ctx.runUrl,
      description: extra.description,
      ...(extra.environmentUrl ? { environment_url: extra.environmentUrl } : {}),
      auto_inactive: state === "success",
    });
  } catch (error) {
    core.warning(`could not record the deployment as ${state}: ${messageOf(error)}`);
  }
}

function appUrlOf(plan: Plan): string | undefined {
  const http = plan.steps.find((s) => s.provider === "verify" && s.action === "http");
  if (!http) return undefined;
  return new URL(http.target).origin;
}

function failureLine(result: ApplyResult): string {
  const stopped = result.outcomes.find((o) => o.id === result.stoppedAt);
  if (stopped?.error) return `${stopped.id}: ${stopped.error.message}`;
  return messageOf(result.failure);
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stripMarkdown(text: string): string {
  return text.replace(/`+/g, "");
}
