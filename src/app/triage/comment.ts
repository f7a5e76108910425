// The triage comment: root cause in one sentence, the evidence lines with their numbers and a link to the job
// log, the fix, the confidence and the failing step; `unknown` said plainly with the last error lines. Log
// text (already redacted by the engine) is only ever fenced; names from the repository are neutralized.
// One comment per run: a marker with the run id lets a second delivery update it instead of posting again.
import type { Evidence } from "../../triage/index.ts";
import { fence, inlineCode, neutralize } from "../markdown.ts";
import type { FixOutcome } from "./fixes/index.ts";
import { writtenBy } from "./identity.ts";
import type { JobDiagnosis, RunDiagnosis } from "./run-logs.ts";
import type { RunFacts, TriageLog, TriageOctokit } from "./types.ts";

const MARKER = /^<!-- devops-agent:triage run=(\d+) -->/;

export function triageMarker(runId: number): string {
  return `<!-- devops-agent:triage run=${runId} -->`;
}

/** The run id of a triage comment's marker (read only from comments the App wrote). */
export function markedRun(body: string | null | undefined): number | undefined {
  const match = MARKER.exec(body ?? "");
  return match ? Number(match[1]) : undefined;
}

function evidenceBlock(evidence: readonly Evidence[]): string {
  const width = String(Math.max(0, ...evidence.map((e) => e.line))).length;
  return fence(evidence.map((e) => `${String(e.line).padStart(width)} | ${e.text}`).join("\n"), "text");
}

function link(text: string, url: string): string {
  // URLs come from GitHub's API (html_url); a parenthesis or space would break the link, so those fall back.
  return /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${text}](${url})` : text;
}

function jobLine(result: JobDiagnosis): string {
  const { job, diagnosis } = result;
  const step = diagnosis.failingStep ? `step ${inlineCode(diagnosis.failingStep)} of ` : "";
  return `${step}job ${link(neutralize(job.name), job.htmlUrl)}`;
}

export interface CommentInput {
  run: RunFacts;
  result: RunDiagnosis;
  /** The recipe's verdict on the files at the run's commit, when a recipe exists for the cause. */
  fix?: FixOutcome;
}

export function renderTriageComment({ run, result, fix }: CommentInput): string {
  const title = `${link(`${neutralize(run.name)} #${run.runNumber}`, run.htmlUrl)}`;
  const lines = [
    triageMarker(run.id),
    `### Triage: ${title} failed on ${inlineCode(run.headSha.slice(0, 7))}`,
    "",
  ];
  const { chosen } = result;
  if (!chosen) {
    lines.push(
      `**Root cause: unknown.** No failed job's log could be read (conclusion ${inlineCode(run.conclusion)}), so there is nothing to diagnose.`,
    );
  } else if (chosen.diagnosis.category === "unknown") {
    const d = chosen.diagnosis;
    lines.push(
      `**Root cause: unknown.** ${d.summary} These are the last error lines of ${jobLine(chosen)} (${link("job log", chosen.job.htmlUrl)}):`,
      "",
      evidenceBlock(d.evidence),
    );
  } else {
    const d = chosen.diagnosis;
    lines.push(
      `**Root cause** (${inlineCode(d.category)}): ${d.summary}`,
      "",
      `**Where:** ${jobLine(chosen)}. **Confidence:** ${Math.round(d.confidence * 100)}%.`,
      "",
      `**Evidence** (line numbers in the ${link("job log", chosen.job.htmlUrl)}):`,
      "",
      evidenceBlock(d.evidence),
      "",
      `**Fix:** ${d.fix}`,
    );
    if (fix?.applies)
      lines.push("", `Comment \`/devops fix\` to open a pull request with this change: ${fix.summary}.`);
  }

  const details: string[] = [];
  if (chosen && chosen.diagnosis.category !== "unknown" && fix && !fix.applies)
    details.push(`- No automatic fix: ${fix.reason}.`);
  if (chosen?.diagnosis.ruleId) details.push(`- Rule: ${inlineCode(chosen.diagnosis.ruleId)}.`);
  if (chosen?.source === "run-logs-zip")
    details.push("- The job log was unavailable; this was read from the run's logs zip.");
  for (const other of result.others) {
    details.push(
      `- Also failed: ${jobLine(other)}: ${inlineCode(other.diagnosis.category)} (${Math.round(other.diagnosis.confidence * 100)}%)`,
    );
  }
  for (const { job, reason } of result.unreadable)
    details.push(`- ${link(neutralize(job.name), job.htmlUrl)}: log unreadable (${neutralize(reason)}).`);
  details.push(
    `- Run ${link(String(run.id), run.htmlUrl)}, workflow ${inlineCode(run.workflowPath)}, conclusion ${inlineCode(run.conclusion)}. Evidence is redacted; comment \`/devops triage\` to diagnose again.`,
  );
  lines.push("", "<details><summary>Details</summary>", "", ...details, "", "</details>");
  return lines.join("\n");
}

/** Comments on the thread the App wrote, oldest first. */
async function ownComments(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  botLogin: string;
}) {
  const { octokit, owner, repo, issueNumber, botLogin } = options;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  return comments.filter((c) => writtenBy(c, botLogin)).sort((a, b) => a.id - b.id);
}

/** The App's latest triage comment on the thread and the run it names. */
export async function latestTriage(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  botLogin: string;
}): Promise<{ commentId: number; runId: number } | undefined> {
  const mine = (await ownComments(options))
    .map((c) => ({ commentId: c.id, runId: markedRun(c.body) }))
    .filter((c): c is { commentId: number; runId: number } => c.runId !== undefined);
  return mine.at(-1);
}

/**
 * Posts the triage comment for a run, or updates the App's earlier one for the same run. Two deliveries racing
 * may both create one: each then keeps the oldest and deletes its own if it is not that one.
 */
export async function upsertTriageComment(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  botLogin: string;
  runId: number;
  body: string;
  log: TriageLog;
}): Promise<{ commentId: number; created: boolean }> {
  const { octokit, owner, repo, issueNumber, runId, body } = options;
  const forRun = async () => (await ownComments(options)).filter((c) => markedRun(c.body) === runId);
  const existing = (await forRun())[0];
  if (existing) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { commentId: existing.id, created: false };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  const oldest = (await forRun())[0];
  if (oldest && oldest.id !== data.id) {
    options.log.info(`run ${runId}: another delivery posted its triage first; removing the duplicate`);
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: data.id });
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: oldest.id, body });
    return { commentId: oldest.id, created: false };
  }
  return { commentId: data.id, created: true };
}
