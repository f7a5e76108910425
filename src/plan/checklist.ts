// The sticky checklist comment: the plan as people read it. It is display only: what is approved is the plan
// in the App's check run (plan-store.ts), never what this comment says. Everything from outside the App
// (targets come from config, which is PR content) goes through the Markdown helpers or the mermaid escaper.
import { inlineCode, neutralize } from "../app/markdown.ts";
import { CHECKLIST_MARKER } from "../app/names.ts";
import { planDiagram } from "./mermaid.ts";
import type { PinnedPlan, Step } from "./types.ts";

export type ChecklistStatus = "planned" | "stale" | "approved" | "applying" | "done" | "failed" | "cancelled";
export type StepStatus = "pending" | "done" | "skipped" | "failed";

export interface ChecklistState {
  status: ChecklistStatus;
  /** Login of who asked for the plan. */
  requestedBy: string;
  approvals: { login: string; runUrl?: string; at: string }[];
  staleReason?: string;
  /** By step id; absent means pending. */
  steps?: Record<string, StepStatus>;
}

/** How many hash characters `/approve` is shown with (any prefix of 7+ is accepted). */
export const APPROVE_PREFIX_LENGTH = 12;

const HASH_LINE = /^<!-- devops-agent:plan-hash ([0-9a-f]{64}) -->$/;

const STATUS_TEXT: Record<ChecklistStatus, string> = {
  planned: "📝 planned: waiting for approval",
  stale: "⚠️ stale: this plan can no longer be approved",
  approved: "✅ approved: apply dispatched",
  applying: "⏳ applying",
  done: "🎉 done",
  failed: "❌ failed",
  cancelled: "🚫 cancelled",
};

const STEP_MARK: Record<StepStatus, string> = {
  pending: "⬜",
  done: "✅",
  skipped: "⏭️",
  failed: "❌",
};

export function renderChecklist(options: { pinned: PinnedPlan; state: ChecklistState }): string {
  const { pinned, state } = options;
  const { plan, hash } = pinned;
  const lines: string[] = [CHECKLIST_MARKER, `<!-- devops-agent:plan-hash ${hexOnly(hash)} -->`];
  if (plan.rollbackOf !== undefined) {
    lines.push(
      `### devops-agent Rollback plan for ${inlineCode(plan.environment)}`,
      "",
      `↩️ **Rollback plan**: takes back what the apply of plan ${inlineCode(hexOnly(plan.rollbackOf).slice(0, APPROVE_PREFIX_LENGTH))} ` +
        "changed, newest change first, through the same approval as a deploy.",
      "",
    );
  } else {
    lines.push(`### devops-agent plan for ${inlineCode(plan.environment)}`, "");
  }
  if (state.status === "stale") {
    lines.push(
      "> [!WARNING]",
      `> **STALE**: ${neutralize(state.staleReason ?? "the pull request changed")}. ` +
        "**All approvals of this plan are void.** Comment `/devops deploy` for a fresh plan.",
      "",
    );
  }
  const stepStates = state.steps ?? {};
  const finished = plan.steps.filter((s) => stepStates[s.id] === "done" || stepStates[s.id] === "skipped");
  lines.push(
    `**Status:** ${STATUS_TEXT[state.status]} · requested by ${neutralize(`@${state.requestedBy}`)} · ` +
      `${finished.length}/${plan.steps.length} steps done`,
    "",
  );
  lines.push(...approvalLines(state), ...stepTable(plan.steps, stepStates), "");
  lines.push(
    "<details open><summary>What will point where</summary>",
    "",
    planDiagram(plan),
    "",
    "</details>",
  );
  lines.push(
    "",
    `**Plan hash:** ${inlineCode(hash)}  `,
    `**Head commit:** ${inlineCode(plan.headSha)}  `,
    `**Image:** ${inlineCode(`${plan.image.repository}@${plan.image.digest}`)} (found as ${inlineCode(plan.image.tag)})`,
    "",
  );
  lines.push(...approveHelp(hash, state.status));
  return `${lines.join("\n")}\n`;
}

/**
 * The plan hash shown in a checklist comment. **Display only**: pass only the body of a comment the App itself
 * wrote (author `<app-slug>[bot]`, see plan-store.ts `upsertChecklistComment`); anyone can paste the marker
 * into a comment of their own. What is approved is decided by the App's check run, never by this value.
 */
export function parseChecklistHash(body: string): string | undefined {
  const [first, second] = body.split("\n", 2);
  if (first !== CHECKLIST_MARKER || second === undefined) return undefined;
  return HASH_LINE.exec(second)?.[1];
}

function approvalLines(state: ChecklistState): string[] {
  if (state.approvals.length === 0) return [];
  const lines = state.approvals.map((a) => {
    const run = a.runUrl && safeUrl(a.runUrl) ? ` · [apply run](${safeUrl(a.runUrl)})` : "";
    const voided = state.status === "stale" ? " (void)" : "";
    return `- [x] approved by ${neutralize(`@${a.login}`)} at ${neutralize(a.at)}${run}${voided}`;
  });
  return [...lines, ""];
}

function stepTable(steps: Step[], states: Record<string, StepStatus>): string[] {
  const rows = steps.map((step, index) => {
    const mark = STEP_MARK[states[step.id] ?? "pending"];
    const cells = [
      mark,
      String(index + 1),
      neutralize(step.provider),
      neutralize(step.action),
      inlineCode(step.target, { table: true }),
      riskCell(step),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return ["| | # | Provider | Action | Target | Risk |", "|---|---|---|---|---|---|", ...rows];
}

function riskCell(step: Step): string {
  const risk = step.risk === "delete" ? "**delete** ⚠️" : step.risk;
  return step.adopt ? `${risk}, **adopts** an existing resource that is not ours ⚠️` : risk;
}

function approveHelp(hash: string, status: ChecklistStatus): string[] {
  if (status !== "planned") return [];
  return [
    `To approve, a maintainer who is not the requester, not the pull request's author and did not push to it ` +
      `comments ${inlineCode(`/approve ${hexOnly(hash).slice(0, APPROVE_PREFIX_LENGTH)}`)}. ` +
      "Any push to the pull request makes this plan stale and voids its approvals.",
  ];
}

/** Only http(s) links, with the characters that could end a Markdown link destination percent-encoded. */
function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
    return parsed.href.replace(/[()<>\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined;
  }
}

function hexOnly(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`renderChecklist: ${hash} is not a sha256 hex plan hash`);
  return hash;
}
