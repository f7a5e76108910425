// Every run leaves a step summary (issue 4: "a step summary on every run"), always through the redactor.
import * as core from "@actions/core";
import type { RunContext } from "./run-context.ts";

export async function writeSummary(ctx: RunContext, markdown: string): Promise<void> {
  await core.summary.addRaw(ctx.secrets.redact(markdown), true).write();
}
