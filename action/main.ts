// The Action's entry: reads what the run was given (inputs, runtime variables, secrets — registered with the
// runner's masker first) and hands it to one command. Every failure ends as one redacted `setFailed` line.
import * as core from "@actions/core";
import { apply } from "./apply.ts";
import { doctor } from "./doctor.ts";
import { logs } from "./logs.ts";
import { plan } from "./plan.ts";
import { type RunContext, readRunContext } from "./run-context.ts";
import { verify } from "./verify.ts";

const RUN: Record<RunContext["command"], (ctx: RunContext) => Promise<boolean>> = {
  plan,
  apply,
  verify,
  logs,
  doctor,
};

export async function run(): Promise<void> {
  let ctx: RunContext | undefined;
  try {
    ctx = readRunContext();
    await RUN[ctx.command](ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.setFailed(`devops-agent: ${ctx ? ctx.secrets.redact(message) : message}`);
  }
}

await run();
