// Workflows as GitHub knows them (the files under .github/workflows on the default branch, each with an id
// that never changes) and `workflow_dispatch`: the ref, the file read at that ref, the inputs checked against
// its declaration, then a queued run whose execution the twin tracks in the background.
import { GithubError } from "../errors.ts";
import { filesAt, readFileAt } from "../git.ts";
import { fullName } from "../serialize.ts";
import type { Job, Repo, WorkflowRun } from "../state.ts";
import type { GithubTwin } from "../twin.ts";
import { executeRun } from "./run-workflow.ts";
import { parseWorkflow, type WorkflowInput } from "./workflow-file.ts";

const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

export interface WorkflowEntry {
  id: number;
  path: string;
  name: string;
}

export function workflowId(twin: GithubTwin, repo: Repo, path: string): number {
  repo.workflowIds ??= {};
  repo.workflowIds[path] ??= twin.nextId();
  return repo.workflowIds[path];
}

/** The workflows of a repository: its workflow files on the default branch. */
export function listWorkflows(twin: GithubTwin, repo: Repo): WorkflowEntry[] {
  const head = repo.refs[`refs/heads/${repo.defaultBranch}`];
  if (!head) return [];
  return Object.keys(filesAt(repo, head))
    .filter((path) => WORKFLOW_FILE.test(path))
    .sort()
    .map((path) => ({ id: workflowId(twin, repo, path), path, name: workflowName(repo, head, path) }));
}

/** A workflow by id or by file name (`deploy.yml`), as the REST API accepts either. */
export function findWorkflow(twin: GithubTwin, repo: Repo, idOrFile: string): WorkflowEntry | undefined {
  return listWorkflows(twin, repo).find(
    (w) => String(w.id) === idOrFile || w.path.split("/").pop() === idOrFile || w.path === idOrFile,
  );
}

export function workflowName(repo: Repo, sha: string, path: string): string {
  const text = readFileAt(repo, sha, path)?.toString("utf8");
  return (text !== undefined ? parseWorkflow(text).name : undefined) ?? path;
}

/** A branch or tag name, short or full → the full ref and its commit; a sha or unknown name is refused. */
export function resolveDispatchRef(
  repo: Repo,
  ref: string,
): { fullRef: string; name: string; sha: string; type: "branch" | "tag" } {
  const short = ref.replace(/^refs\/(heads|tags)\//, "");
  const candidates: [string, "branch" | "tag"][] = ref.startsWith("refs/tags/")
    ? [[`refs/tags/${short}`, "tag"]]
    : ref.startsWith("refs/heads/")
      ? [[`refs/heads/${short}`, "branch"]]
      : [
          [`refs/heads/${short}`, "branch"],
          [`refs/tags/${short}`, "tag"],
        ];
  for (const [fullRef, type] of candidates) {
    const sha = repo.refs[fullRef];
    if (sha) return { fullRef, name: short, sha, type };
  }
  throw new GithubError(422, `No ref found for: ${ref}`);
}

export interface DispatchRequest {
  repo: Repo;
  workflow: WorkflowEntry;
  ref: string;
  inputs: Record<string, unknown>;
  actorLogin: string;
}

/** Creates a queued run for a dispatch and starts it in the background (`twin.settled()` waits for it). */
export function dispatchWorkflow(twin: GithubTwin, request: DispatchRequest): WorkflowRun {
  const { repo, workflow } = request;
  const target = resolveDispatchRef(repo, request.ref);
  const text = readFileAt(repo, target.sha, workflow.path)?.toString("utf8");
  if (text === undefined) throw new GithubError(422, `Workflow does not exist at ref ${request.ref}`);
  const parsed = parseWorkflow(text);
  if (!parsed.dispatch) throw new GithubError(422, "Workflow does not have 'workflow_dispatch' trigger");
  const inputs = checkInputs(parsed.dispatch.inputs, request.inputs);
  const now = twin.now();
  const runNumber = (repo.nextRunNumber[workflow.path] ?? 1) as number;
  repo.nextRunNumber[workflow.path] = runNumber + 1;
  const run: WorkflowRun = {
    id: twin.nextId(),
    workflowPath: workflow.path,
    name: parsed.name ?? workflow.path,
    event: "workflow_dispatch",
    status: "queued",
    conclusion: null,
    headBranch: target.name,
    headSha: target.sha,
    actorLogin: request.actorLogin,
    inputs,
    runNumber,
    runAttempt: 1,
    createdAt: now,
    updatedAt: now,
    runStartedAt: now,
    jobIds: [],
    ref: target.fullRef,
    concurrency: parsed.concurrency,
  };
  // A file the twin cannot run still yields a job, so the failure has a log to say why.
  const jobs =
    parsed.jobs.length > 0
      ? parsed.jobs.map((j) => ({
          key: j.key,
          name: j.name ?? j.key,
          labels: j.runsOn,
          steps: j.steps.map((s) => s.name ?? `Run ${s.uses}`),
          environment: j.environment?.name ?? null,
        }))
      : [
          {
            key: "",
            name: workflow.path.split("/").pop() ?? workflow.path,
            labels: [],
            steps: [],
            environment: null,
          },
        ];
  for (const spec of jobs) {
    const job: Job = {
      id: twin.nextId(),
      runId: run.id,
      name: spec.name,
      status: "queued",
      conclusion: null,
      startedAt: now,
      completedAt: null,
      steps: ["Set up job", ...spec.steps, "Complete job"].map((name, index) => ({
        name,
        number: index + 1,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
      })),
      log: "",
      outputs: {},
      summary: "",
      jobKey: spec.key,
      labels: spec.labels,
      environment: spec.environment,
      createdAt: now,
    };
    repo.jobs[job.id] = job;
    run.jobIds.push(job.id);
  }
  repo.runs[run.id] = run;
  const repoFullName = fullName(repo);
  twin.events.emit("workflow_dispatch", {
    repoFullName,
    workflowPath: workflow.path,
    ref: target.fullRef,
    inputs,
    senderLogin: request.actorLogin,
    runId: run.id,
  });
  twin.events.emit("workflow_run", {
    action: "requested",
    repoFullName,
    runId: run.id,
    senderLogin: request.actorLogin,
  });
  void twin.track(executeRun(twin, { repo, runId: run.id }));
  return run;
}

function checkInputs(
  declared: Record<string, WorkflowInput>,
  given: Record<string, unknown>,
): Record<string, string> {
  const unexpected = Object.keys(given).filter((name) => !(name in declared));
  if (unexpected.length > 0)
    throw new GithubError(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const raw = given[name];
    if (raw !== undefined && typeof raw !== "string" && typeof raw !== "boolean" && typeof raw !== "number") {
      throw new GithubError(422, `Provided value for input '${name}' must be a string, number or boolean`);
    }
    const value = raw === undefined ? spec.default : raw;
    if (value === undefined || value === "") {
      if (spec.required) throw new GithubError(422, `Required input '${name}' not provided`);
      inputs[name] = spec.type === "boolean" ? "false" : "";
      continue;
    }
    const text = String(value);
    if (spec.type === "boolean" && text !== "true" && text !== "false") {
      throw new GithubError(422, `Provided value '${text}' for input '${name}' is not a valid boolean`);
    }
    if (spec.type === "choice" && !spec.options.includes(text)) {
      throw new GithubError(
        422,
        `Provided value '${text}' for input '${name}' not in the list of allowed values`,
      );
    }
    inputs[name] = text;
  }
  return inputs;
}
