// Verification results as apply and verify hand them on: each check's evidence from the run that decided it
// (the verify provider keeps its latest check, so nothing is checked twice), and the `checks` output, redacted.
import type { Plan } from "../src/plan/types.ts";
import type { VerifyProvider } from "../src/providers/verify/index.ts";
import type { StepOutcome } from "../src/runner/apply.ts";
import type { RunContext } from "./run-context.ts";

/** The runner's `describe` for verification steps. */
export function describeWith(verifier: VerifyProvider) {
  return async (step: Plan["steps"][number]) => {
    const check = verifier.lastCheck(step) ?? (await verifier.check(step));
    return { detail: check.detail, evidence: check.evidence };
  };
}

export interface CheckOutput {
  name: string;
  ok: boolean;
  detail: string;
  evidence: unknown;
}

/** One entry per verification outcome, every string through the secret registry. */
export function checkOutputs(ctx: RunContext, plan: Plan, outcomes: readonly StepOutcome[]): CheckOutput[] {
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  return outcomes
    .filter((o) => steps.get(o.id)?.risk === "read")
    .map((o) => ({
      name: steps.get(o.id)?.action ?? o.id,
      ok: o.status === "done",
      detail: ctx.secrets.redact(o.detail ?? o.error?.message ?? o.status),
      evidence: JSON.parse(ctx.secrets.redact(JSON.stringify(o.evidence ?? {}))) as unknown,
    }));
}
