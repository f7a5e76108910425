// `logs`: the running app's recent log through Dokploy, redacted, into the step summary and the `log` output.
import * as core from "@actions/core";
import { fence, inlineCode } from "../src/app/markdown.ts";
import { currentPlan } from "./current-plan.ts";
import { buildProviders } from "./providers.ts";
import { InputError, need, type RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

const TAIL = 100;

export async function logs(ctx: RunContext): Promise<boolean> {
  const inputs = need(ctx, ["headSha"]);
  const { pinned, policy } = await currentPlan(ctx, {
    headSha: inputs.headSha,
    missing: "no application to read",
  });
  const application = pinned.plan.steps.find((s) => s.action === "application.ensure")?.target;
  if (!application) throw new InputError("the plan deploys no Dokploy application");
  const { dokploy } = await buildProviders({
    ctx,
    plan: pinned.plan,
    policy,
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
