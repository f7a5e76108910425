// Executing a dispatched run: its jobs one after the other (our workflows have one), the run's status and
// conclusion derived from theirs, and `workflow_run` events (in_progress, completed) for webhooks.
import { readFileAt } from "../git.ts";
import { fullName } from "../serialize.ts";
import type { Repo } from "../state.ts";
import type { GithubTwin } from "../twin.ts";
import { runJob } from "./run-job.ts";
import { parseWorkflow } from "./workflow-file.ts";

export async function executeRun(twin: GithubTwin, options: { repo: Repo; runId: number }): Promise<void> {
  const { repo } = options;
  const run = repo.runs[options.runId];
  if (!run) throw new Error(`no run ${options.runId}`);
  // Let the dispatch answer go out while the run is still queued, as on GitHub.
  await new Promise((resolve) => setImmediate(resolve));
  const repoFullName = fullName(repo);
  run.status = "in_progress";
  run.runStartedAt = twin.now();
  run.updatedAt = run.runStartedAt;
  twin.events.emit("workflow_run", {
    action: "in_progress",
    repoFullName,
    runId: run.id,
    senderLogin: run.actorLogin,
  });
  const workflow = parseWorkflow(readFileAt(repo, run.headSha, run.workflowPath)?.toString("utf8") ?? "");
  const conclusions: string[] = [];
  for (const jobId of run.jobIds) {
    const job = repo.jobs[jobId];
    if (!job) continue;
    try {
      await runJob({ twin, repo, run, job, workflow, spec: workflow.jobs.find((j) => j.key === job.jobKey) });
    } catch (error) {
      job.log += `${twin.clock.now().toISOString()} ##[error]The twin's runner failed: ${(error as Error).message}\n`;
      job.status = "completed";
      job.conclusion = "failure";
      job.completedAt = twin.now();
    }
    conclusions.push(job.conclusion ?? "failure");
  }
  run.status = "completed";
  run.conclusion = conclusions.includes("failure")
    ? "failure"
    : conclusions.includes("cancelled")
      ? "cancelled"
      : "success";
  run.updatedAt = twin.now();
  twin.save();
  twin.events.emit("workflow_run", {
    action: "completed",
    repoFullName,
    runId: run.id,
    senderLogin: run.actorLogin,
  });
}
