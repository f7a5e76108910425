// What an apply says in the thread and the step summary: each step and what happened to it, each verification
// with its raw evidence, exactly what changed before a failure and how to take it back, and for a failed
// deployment the triage of its log. Pure rendering: the caller passes text already redacted by the
// SecretRegistry, and everything from outside (targets from config, provider errors, log lines) is quoted
// through the Markdown helpers, never pasted raw.
import { fence, inlineCode, neutralize } from "../app/markdown.ts";
import type { Plan, Step } from "../plan/types.ts";
import type { Diagnosis } from "../triage/types.ts";
import type { ApplyResult, StepOutcome, StepStatus } from "./apply.ts";

/** Marks the Action's own report comment (display only: nothing parses it for authority). */
export const APPLY_REPORT_MARKER = "<!-- devops-agent:apply-report -->";

const MARK: Record<StepStatus, string> = {
  pending: "⬜",
  running: "⏳",
  done: "✅",
  skipped: "⏭️",
  failed: "❌",
  drift: "⚠️",
};

const SAID: Record<StepStatus, string> = {
  pending: "not run",
  running: "running",
  done: "applied",
  skipped: "already as planned",
  failed: "failed",
  drift: "drift: stopped",
};

export interface ReportInput {
  plan: Plan;
  hash: string;
  result: ApplyResult;
  runUrl: string;
  /** The app's URL when the plan serves one. */
  appUrl?: string;
  /** The failed deployment's triage and its (redacted) log tail, when a deployment failed. */
  deployment?: { diagnosis: Diagnosis; logTail: string; showLog: boolean };
  /** Things to know that are not a change (a zone SSL mode that would loop a proxied record, say). */
  warnings?: string[];
  /** Why the run could not start (a missing secret, an unset policy field), when it could not. */
  setupError?: string;
  /** Everything posted goes through this (SecretRegistry.redact). */
  redact: (text: string) => string;
}

export function renderApplyReport(input: ReportInput): string {
  const { plan, hash, result, redact } = input;
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const stepOf = (o: StepOutcome) => byId.get(o.id) as Step;
  const changes = result.outcomes.filter((o) => stepOf(o).risk !== "read");
  const checks = result.outcomes.filter((o) => stepOf(o).risk === "read");
  const lines: string[] = [APPLY_REPORT_MARKER];
  const plan12 = inlineCode(hash.slice(0, 12));
  if (result.ok) {
    lines.push(`### ✅ Deployed ${inlineCode(plan.environment)} · plan ${plan12}`);
    if (input.appUrl) lines.push("", `The app answers at ${input.appUrl}.`);
  } else {
    const stopped = result.stoppedAt ? byId.get(result.stoppedAt) : undefined;
    lines.push(
      `### ❌ Apply of plan ${plan12} to ${inlineCode(plan.environment)} stopped` +
        (stopped ? ` at ${inlineCode(`${stopped.provider} ${stopped.action} ${stopped.target}`)}` : ""),
    );
  }
  for (const warning of input.warnings ?? []) lines.push("", `> ⚠️ ${neutralize(redact(warning))}`);
  lines.push("", "| | step | provider | result |", "|---|---|---|---|");
  for (const o of changes) {
    const step = stepOf(o);
    const said = o.error ? `${SAID[o.status]}: ${neutralize(redact(o.error.message))}` : SAID[o.status];
    lines.push(
      `| ${MARK[o.status]} | ${inlineCode(`${step.action} ${step.target}`, { table: true })} | ${step.provider} | ${said} |`,
    );
  }
  if (checks.length > 0) {
    lines.push("", "#### Verification", "", "| | check | evidence |", "|---|---|---|");
    for (const o of checks) {
      const step = stepOf(o);
      const detail = o.detail ?? o.error?.message ?? SAID[o.status];
      lines.push(
        `| ${MARK[o.status]} | ${step.action} ${inlineCode(step.target, { table: true })} | ${neutralize(redact(detail))} |`,
      );
    }
  }
  if (input.deployment) lines.push("", ...deploymentSection(input.deployment, redact, input.runUrl));
  if (!result.ok && result.changed.length > 0) {
    lines.push(
      "",
      `**What changed before it stopped:** ${result.changed
        .map((id) => byId.get(id))
        .map((step) => inlineCode(step ? `${step.action} ${step.target}` : "?"))
        .join(", ")}. ` +
        "Nothing after the failed step ran. `/devops rollback` plans the recorded undo steps below through the same approval loop.",
    );
  } else if (!result.ok) {
    if (input.setupError) lines.push("", `Could not start: ${neutralize(redact(input.setupError))}`);
    lines.push("", "**Nothing was changed.**");
  }
  if (result.undo.length > 0) {
    lines.push(
      "",
      "<details><summary>Undo recorded</summary>",
      "",
      fence(redact(JSON.stringify(result.undo, null, 2)), "json"),
      "",
      "</details>",
    );
  }
  lines.push("", `[apply run](${input.runUrl})`);
  return `${lines.join("\n")}\n`;
}

function deploymentSection(
  deployment: NonNullable<ReportInput["deployment"]>,
  redact: (text: string) => string,
  runUrl: string,
): string[] {
  const { diagnosis } = deployment;
  const out = ["#### Why the deployment failed", ""];
  if (diagnosis.category === "unknown") {
    out.push("The log does not match a known cause; read it below (or in the run).");
  } else {
    out.push(
      `**${neutralize(redact(diagnosis.summary))}** (${inlineCode(diagnosis.category)}, confidence ${diagnosis.confidence.toFixed(2)})`,
      "",
      `**Fix:** ${neutralize(redact(diagnosis.fix))}`,
    );
    if (diagnosis.evidence.length > 0) {
      out.push("", fence(redact(diagnosis.evidence.map((e) => `${e.line}: ${e.text}`).join("\n")), "text"));
    }
  }
  if (deployment.showLog) {
    out.push(
      "",
      "<details><summary>Deployment log (tail)</summary>",
      "",
      fence(redact(deployment.logTail), "text"),
      "",
      "</details>",
    );
  } else {
    out.push(
      "",
      `The deployment log is in the [run](${runUrl}) (a public repository's thread shows it only when the policy opts in).`,
    );
  }
  return out;
}

/** The refusal posted when re-verification fails: why, and that nothing was changed. */
export function renderRefusal(options: { reason: string; id: string; runUrl: string }): string {
  return (
    `${APPLY_REPORT_MARKER}\n### 🛑 Apply refused\n\n` +
    `${options.reason} (${inlineCode(options.id)}). Nothing was changed.\n\n[run](${options.runUrl})\n`
  );
}
