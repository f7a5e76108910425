// The live diff as people read it: per step, what the read-only plan run found and what apply will do about
// it, judged by the kernel's own rule (src/providers/judge.ts) so the thread says what apply will decide.
import type { Step } from "../../plan/types.ts";
import { judge } from "../../providers/judge.ts";
import type { LiveState } from "../../providers/types.ts";
import { inlineCode } from "../markdown.ts";

export type LiveVerdict = "absent" | "as-desired" | "will-change" | "not-ours" | "drift" | "checked-after";

export function liveVerdict(step: Step, live: LiveState | undefined): LiveVerdict {
  if (step.provider === "verify" || !live) return "checked-after";
  const verdict = judge(step, live);
  if (verdict === "skip") return "as-desired";
  if (!live.exists) return "absent";
  if (!live.ours && !step.adopt) return "not-ours";
  return verdict === "apply" ? "will-change" : "drift";
}

const TEXT: Record<LiveVerdict, string> = {
  absent: "absent: apply creates it",
  "as-desired": "✔ as desired: apply skips it",
  "will-change": "exists: apply changes it",
  "not-ours": "⚠️ exists and is **not ours**: apply stops here unless the plan adopts it",
  drift: "⚠️ differs from what the plan expects: apply stops here",
  "checked-after": "checked after apply",
};

export function liveDiffSection(steps: Step[], live: Record<string, LiveState>): string[] {
  const rows = steps.map((step, index) => {
    const cells = [
      String(index + 1),
      inlineCode(step.target, { table: true }),
      TEXT[liveVerdict(step, live[step.id])],
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return ["#### Live state, read by the plan run", "", "| # | Target | Live |", "|---|---|---|", ...rows, ""];
}
