// `plan`: read-only. Reads the live state of every step the App planned and posts the concrete diff to the
// App's check run and checklist through the run bridge (the Action's token can write neither). Read-only
// credentials where the provider has them: a Cloudflare token limited to DNS:Read when the Environment holds
// one; Dokploy API keys have no scopes, so the plan run holds a key that could write, and says so.
import * as core from "@actions/core";
import { inlineCode, neutralize } from "../src/app/markdown.ts";
import { liveDiffSection } from "../src/app/run-bridge/live-diff.ts";
import { createBridgeClient } from "../src/bridge/client.ts";
import { recordedState } from "../src/providers/judge.ts";
import type { LiveState } from "../src/providers/types.ts";
import { currentPlan } from "./current-plan.ts";
import { buildProviders, CLOUDFLARE_READ_SECRET, planWarnings } from "./providers.ts";
import { InputError, need, type RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

export async function plan(ctx: RunContext): Promise<boolean> {
  const inputs = need(ctx, ["pr", "headSha", "planHash", "appUrl"]);
  const current = await currentPlan(ctx, { headSha: inputs.headSha, missing: "nothing to read" });
  if (ctx.ref !== `refs/heads/${current.defaultBranch}`) {
    throw new InputError(
      `the plan run reads provider state only from ${current.defaultBranch}, not ${ctx.ref}`,
    );
  }
  if (current.stale || current.pinned.hash !== inputs.planHash) {
    throw new InputError(
      `the App's current plan for ${inputs.headSha.slice(0, 7)} is not ${inputs.planHash.slice(0, 12)} (stale or replaced): nothing to read`,
    );
  }
  const thePlan = current.pinned.plan;
  const { providers, cloudflare } = await buildProviders({
    ctx,
    plan: thePlan,
    policy: current.policy,
    readOnly: true,
  });
  const live: Record<string, LiveState> = {};
  for (const step of thePlan.steps) {
    // GitHub secrets cannot be listed with the job token (apply reads them with the App's short-lived one);
    // verify steps are checked after apply.
    const provider = step.risk === "read" ? undefined : providers.find((p) => p.handles(step));
    if (provider) live[step.id] = await provider.read(step);
  }
  // The same table the App puts in the checklist, judged by the kernel's rule on the plan as it will be filled.
  const filled = thePlan.steps.map((step) => {
    const state = live[step.id];
    return state ? { ...step, expected: recordedState(state) } : step;
  });
  const bridge = createBridgeClient({
    appUrl: inputs.appUrl,
    getIdToken: (audience) => core.getIDToken(audience),
  });
  const warnings = (await planWarnings(thePlan, cloudflare)).map((w) => ctx.secrets.redact(w));
  const { planHash } = await bridge.reportPlan({
    pr: inputs.pr,
    headSha: inputs.headSha,
    planHash: inputs.planHash,
    live,
    ...(warnings.length > 0 ? { warnings } : {}),
  });
  const credentials = ctx.secrets.has(CLOUDFLARE_READ_SECRET)
    ? `Cloudflare was read with ${CLOUDFLARE_READ_SECRET} (DNS:Read).`
    : `Cloudflare was read with the apply credentials. For a read-only plan run, add ${CLOUDFLARE_READ_SECRET} (DNS:Read) to the Environment.`;
  await writeSummary(
    ctx,
    [
      `### devops-agent plan: live diff for ${inlineCode(planHash.slice(0, 12))}`,
      "",
      ...liveDiffSection(filled, live),
      ...warnings.map((w) => `> ⚠️ ${neutralize(w)}\n`),
      credentials,
      "Dokploy API keys have no scopes: the plan run's key could write, and the plan run only reads.",
    ].join("\n"),
  );
  core.setOutput("plan-hash", planHash);
  core.setOutput("result", "pass");
  return true;
}
