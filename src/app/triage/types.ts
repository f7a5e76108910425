// What the triage adapters need from the outside: an Octokit acting as the installation (Probot's
// context.octokit or @octokit/rest), a logger, and fetch for the token-less log downloads.
import type { Octokit } from "@octokit/rest";

export type TriageOctokit = Pick<Octokit, "rest" | "paginate">;

export interface TriageLog {
  info(message: string): void;
  warn(message: string): void;
}

export type Fetch = typeof globalThis.fetch;

/** A run's conclusions that mean it failed and deserve a triage. */
export const FAILED_CONCLUSIONS: ReadonlySet<string> = new Set(["failure", "timed_out", "startup_failure"]);

export interface RunFacts {
  id: number;
  name: string;
  htmlUrl: string;
  headSha: string;
  headBranch: string;
  conclusion: string;
  /** The workflow file, as the run names it (`.github/workflows/build.yml`). */
  workflowPath: string;
  runNumber: number;
}

type WorkflowRun = Awaited<ReturnType<Octokit["rest"]["actions"]["getWorkflowRun"]>>["data"];

export function runFacts(
  run: Pick<
    WorkflowRun,
    "id" | "name" | "html_url" | "head_sha" | "head_branch" | "conclusion" | "path" | "run_number"
  >,
): RunFacts {
  return {
    id: run.id,
    name: run.name ?? `run ${run.id}`,
    htmlUrl: run.html_url,
    headSha: run.head_sha,
    headBranch: run.head_branch ?? "",
    conclusion: run.conclusion ?? "",
    // A reusable workflow's path may carry `@ref`; the file is what comes before it.
    workflowPath: (run.path ?? "").replace(/@.*$/, ""),
    runNumber: run.run_number,
  };
}

export { httpStatus } from "../authz/http-status.ts";
