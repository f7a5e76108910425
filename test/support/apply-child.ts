// A whole apply in a process of its own, so a test can SIGKILL it mid-run like a runner losing its machine.
// Reads APPLY_CHILD (JSON: the world's settings and the plan), builds the real providers from them, runs
// applyPlan, and prints the outcome as one JSON line on stdout.
import type { Plan } from "../../src/plan/types.ts";
import { applyPlan } from "../../src/runner/apply.ts";
import { makeProviders, type WorldSettings } from "./crash-providers.ts";

export interface ApplyChildInput {
  settings: WorldSettings;
  plan: Plan;
  pollIntervalMs: number;
}

const input = JSON.parse(process.env.APPLY_CHILD ?? "null") as ApplyChildInput | null;
if (!input) throw new Error("apply-child: set APPLY_CHILD to the world's settings and the plan, as JSON");
const result = await applyPlan({
  plan: input.plan,
  providers: makeProviders(input.settings, input.plan, { pollIntervalMs: input.pollIntervalMs }),
  verify: false,
});
process.stdout.write(
  `${JSON.stringify({ ok: result.ok, outcomes: result.outcomes.map((o) => o.status) })}\n`,
);
