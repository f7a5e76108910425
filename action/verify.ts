// `verify`: the current plan's verifications only (DNS, TLS, HTTP health, the expected log line), each pass or
// fail with its raw evidence. Changes nothing, so it needs no approval; runs on demand or on a schedule.
import * as core from "@actions/core";
import { inlineCode, neutralize } from "../src/app/markdown.ts";
import { applyPlan } from "../src/runner/apply.ts";
import { checkOutputs, describeWith } from "./checks.ts";
import { currentPlan } from "./current-plan.ts";
import { buildProviders } from "./providers.ts";
import { need, type RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

export async function verify(ctx: RunContext): Promise<boolean> {
  const inputs = need(ctx, ["headSha"]);
  const { pinned, policy } = await currentPlan(ctx, {
    headSha: inputs.headSha,
    missing: "nothing to verify",
  });
  const thePlan = pinned.plan;
  const { providers, verify: verifier } = await buildProviders({
    ctx,
    plan: thePlan,
    policy,
    readOnly: true,
  });
  const result = await applyPlan({
    plan: thePlan,
    providers,
    verifyOnly: true,
    describe: describeWith(verifier),
  });
  const checks = checkOutputs(ctx, thePlan, result.outcomes);
  await writeSummary(
    ctx,
    [
      `### devops-agent verify ${inlineCode(thePlan.environment)}`,
      "",
      "| | check | evidence |",
      "|---|---|---|",
      ...checks.map((c) => `| ${c.ok ? "✅" : "❌"} | ${c.name} | ${neutralize(c.detail)} |`),
    ].join("\n"),
  );
  core.setOutput("checks", JSON.stringify(checks));
  core.setOutput("result", result.ok ? "pass" : "fail");
  if (!result.ok) core.setFailed("verification failed; see the step summary");
  return result.ok;
}
