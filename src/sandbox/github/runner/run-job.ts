// One job of a run, as a GitHub-hosted runner executes it: refuse what the twin cannot run faithfully, apply
// the Environment's branch policy, issue the job's GITHUB_TOKEN (revoked when the job ends), run each step's
// Action as a child process under the Actions runtime contract, and record log, outputs and step summary.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { grantIdTokenRequests, revokeIdTokenRequests } from "../oidc.ts";
import { ensureEnvironment } from "../routes/environments.ts";
import { fullName, repository, simpleUser } from "../serialize.ts";
import type { Environment, Job, Repo, Token, WorkflowRun } from "../state.ts";
import type { GithubTwin } from "../twin.ts";
import { actionInputDefaults } from "./action-metadata.ts";
import { runActionProcess } from "./action-process.ts";
import { type ExpressionContext, expressionProblems, interpolate } from "./expressions.ts";
import { parseFileCommands } from "./file-commands.ts";
import { JobLog } from "./job-log.ts";
import { effectivePermissions, mayRequestIdToken, tokenPermissions } from "./token-permissions.ts";
import type { ParsedWorkflow, WorkflowJob, WorkflowStep } from "./workflow-file.ts";

export const DEFAULT_ACTION_ENTRY = fileURLToPath(
  new URL("../../../../action/dist/index.js", import.meta.url),
);
const RUNNER_NAME = "GitHub Actions 1";

export interface JobRun {
  twin: GithubTwin;
  repo: Repo;
  run: WorkflowRun;
  job: Job;
  workflow: ParsedWorkflow;
  /** The job's declaration; undefined when the file declares no usable job. */
  spec: WorkflowJob | undefined;
}

type Step = Job["steps"][number];

/** Whether a step's `uses:` names this project's Action. */
export function isOurAction(uses: string, extra: string[] = []): boolean {
  return uses === "./" || /^[^\s/@]+\/devops-agent@[^\s@]+$/.test(uses) || extra.includes(uses);
}

export async function runJob(context: JobRun): Promise<void> {
  const { twin, repo, run, job, workflow, spec } = context;
  const log = new JobLog(twin.clock);
  const steps = job.steps;
  job.status = "in_progress";
  job.startedAt = twin.now();
  startStep(twin, steps[0]);
  log.line(`Current runner version: '2.330.0'`);
  log.line(`Runner name: '${RUNNER_NAME}'`);
  log.line(`Requested labels: ${(job.labels ?? []).join(", ")}`);
  log.line(`Job defined at: ${workflowRef(repo, run)}`);

  const extraUses = twin.runnerOptions.actionUses ?? [];
  const problems = [...workflow.problems, ...(spec?.problems ?? [])];
  spec?.steps.forEach((step, index) => {
    if (step.uses && !isOurAction(step.uses, extraUses)) {
      problems.push(
        `Unsupported action '${step.uses}' in job '${spec.key}' step ${index + 1}: the twin's runner runs only this project's Action (./, <owner>/devops-agent@<ref>${extraUses.length > 0 ? `, ${extraUses.join(", ")}` : ""})`,
      );
    }
  });
  if (!spec || problems.length > 0) {
    for (const problem of problems) log.error(problem);
    return finishJob(context, log, "failure");
  }

  const inputs = typedInputs(workflow, run);
  const github: Record<string, string> = {
    repository: fullName(repo),
    repository_owner: repo.ownerLogin,
    sha: run.headSha,
    ref: run.ref ?? `refs/heads/${run.headBranch}`,
    ref_name: run.headBranch,
    run_id: String(run.id),
    run_number: String(run.runNumber),
    run_attempt: String(run.runAttempt),
    actor: run.actorLogin,
    event_name: run.event,
    workflow: run.name,
    job: spec.key,
  };
  const base: ExpressionContext = {
    inputs,
    secrets: {},
    vars: variables(repo, undefined),
    github,
    steps: {},
  };

  let environment: Environment | undefined;
  if (spec.environment) {
    const name = interpolate(spec.environment.name, base);
    environment = ensureEnvironment(twin, repo, name);
    job.environment = name;
    if (!branchMayDeploy(repo, run, environment)) {
      log.error(
        `Branch "${run.headBranch}" is not allowed to deploy to ${name} due to environment protection rules.`,
      );
      log.error("The deployment was rejected or didn't satisfy other protection rules.");
      return finishJob(context, log, "failure");
    }
  }

  const scopes = effectivePermissions(workflow.permissions, spec.permissions);
  const permissions = tokenPermissions(scopes);
  const token = twin.issueToken({
    kind: "run",
    runId: run.id,
    repositoryIds: [repo.id],
    permissions,
    prefix: "ghs",
    ttlMs: Math.min(24 * 3600_000, (spec.timeoutMinutes + 1) * 60_000),
  });
  const secrets = {
    ...secretValues(repo.secrets),
    ...secretValues(environment?.secrets ?? {}),
    GITHUB_TOKEN: token.token,
  };
  for (const value of Object.values(secrets)) log.mask(value);
  github.token = token.token;
  log.group(
    "GITHUB_TOKEN Permissions",
    Object.entries(permissions).map(
      ([name, level]) => `${name.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())}: ${level}`,
    ),
  );
  log.line(`Secret source: Actions`);
  log.line(`Prepare workflow directory`);

  const oidc = mayRequestIdToken(scopes)
    ? grantIdTokenRequests(twin, oidcClaims(context, environment?.name))
    : undefined;
  if (oidc) log.mask(oidc.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const workspace = await mkdtemp(join(tmpdir(), "twin-workspace-"));
  const runnerTemp = await mkdtemp(join(tmpdir(), "twin-runner-temp-"));
  completeStep(twin, steps[0], "success");
  job.log = log.toString();

  let conclusion: "success" | "failure" | "cancelled" = "success";
  try {
    const eventPath = join(runnerTemp, "_github_workflow", "event.json");
    await mkdir(dirname(eventPath), { recursive: true });
    await writeFile(eventPath, JSON.stringify(dispatchEvent(context)));
    const contract = runtimeContract(context, { token, workspace, runnerTemp, eventPath, oidc });
    const deadline = Date.now() + spec.timeoutMinutes * 60_000;
    const expression: ExpressionContext = { ...base, secrets, vars: variables(repo, environment) };
    const exported: Record<string, string> = {};
    for (const [index, step] of spec.steps.entries()) {
      const record = steps[index + 1] as Step;
      if (conclusion === "cancelled" || (conclusion === "failure" && !step.always)) {
        record.status = "completed";
        record.conclusion = "skipped";
        continue;
      }
      startStep(twin, record);
      const outcome = await runStep({
        context,
        step,
        record,
        log,
        expression,
        contract,
        exported,
        runnerTemp,
        deadline,
        workspace,
      });
      if (outcome !== "success") conclusion = outcome;
      completeStep(twin, record, outcome);
      job.log = log.toString();
    }
  } finally {
    // The token dies with the job, as GITHUB_TOKEN does.
    delete twin.world.tokens[token.token];
    if (oidc) revokeIdTokenRequests(twin, oidc.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
    await rm(workspace, { recursive: true, force: true });
    await rm(runnerTemp, { recursive: true, force: true });
  }
  finishJob(context, log, conclusion);
}

interface StepRun {
  context: JobRun;
  step: WorkflowStep;
  record: Step;
  log: JobLog;
  expression: ExpressionContext;
  contract: Record<string, string>;
  /** What earlier steps wrote to GITHUB_ENV. */
  exported: Record<string, string>;
  runnerTemp: string;
  workspace: string;
  deadline: number;
}

async function runStep(s: StepRun): Promise<"success" | "failure" | "cancelled"> {
  const { context, step, log } = s;
  const job = context.job;
  const evaluate = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, interpolate(v, s.expression)]));
  const entry = resolve(context.twin.runnerOptions.actionEntry ?? DEFAULT_ACTION_ENTRY);
  const defaults = existsSync(entry) ? actionInputDefaults(entry) : {};
  const problems = Object.entries(defaults).flatMap(([k, v]) =>
    expressionProblems(v, `the Action's default for input '${k}'`),
  );
  if (problems.length > 0) {
    for (const problem of problems) log.error(problem);
    return "failure";
  }
  const withValues = evaluate({ ...defaults, ...step.with });
  const envValues = evaluate(step.env);
  log.line(`##[group]Run ${step.uses}`);
  if (Object.keys(withValues).length > 0) log.line("with:");
  for (const [k, v] of Object.entries(withValues)) log.line(`  ${k}: ${v}`);
  if (Object.keys(envValues).length > 0) log.line("env:");
  for (const [k, v] of Object.entries(envValues)) log.line(`  ${k}: ${v}`);
  log.line("##[endgroup]");

  if (!existsSync(entry)) {
    log.error(`The Action's bundle ${entry} does not exist: build it first (npm run build)`);
    return "failure";
  }
  const files = await stepFiles(s.runnerTemp, s.record.number);
  const inputs = Object.fromEntries(
    Object.entries(withValues).map(([k, v]) => [`INPUT_${k.replace(/ /g, "_").toUpperCase()}`, v]),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? s.workspace,
    ...s.exported,
    ...envValues,
    ...inputs,
    ...s.contract,
    ...files,
    GITHUB_ACTION: step.id ?? `__${step.uses.replace(/[^A-Za-z0-9]+/g, "_")}`,
    GITHUB_ACTION_PATH: dirname(entry),
    GITHUB_ACTION_REPOSITORY: step.uses === "./" ? "" : (step.uses.split("@")[0] ?? ""),
    GITHUB_ACTION_REF: step.uses.split("@")[1] ?? "",
  };
  const result = await runActionProcess({
    entry,
    cwd: s.workspace,
    env,
    log,
    timeoutMs: Math.max(0, s.deadline - Date.now()),
  });
  let outcome: "success" | "failure" | "cancelled" = "success";
  if (result.kind === "timed-out") {
    const minutes = context.spec?.timeoutMinutes ?? 0;
    log.error(
      `The job running on runner ${RUNNER_NAME} has exceeded the maximum execution time of ${minutes} minutes.`,
    );
    log.error("The operation was canceled.");
    return "cancelled";
  }
  if (result.kind === "failed-to-start") {
    log.error(`Failed to start the Action: ${result.message}`);
    return "failure";
  }
  if (result.code !== 0) {
    log.error(`Process completed with exit code ${result.code}.`);
    outcome = "failure";
  }
  try {
    const outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, "utf8"));
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(outputs)) {
      // GitHub drops an output that carries a secret rather than leak it to later jobs.
      if (log.redact(value) !== value)
        log.line(`##[warning]Skip output '${name}' since it may contain secret.`);
      else kept[name] = value;
    }
    job.outputs[step.id ?? String(s.record.number)] = kept;
    if (step.id) s.expression.steps[step.id] = kept;
    Object.assign(s.exported, parseFileCommands(await readFile(files.GITHUB_ENV, "utf8")));
  } catch (error) {
    log.error(`Unable to process file command: ${(error as Error).message}`);
    outcome = "failure";
  }
  const summary = await readFile(files.GITHUB_STEP_SUMMARY, "utf8");
  if (summary.length > 0) job.summary += log.redact(summary);
  return outcome;
}

async function stepFiles(
  runnerTemp: string,
  number: number,
): Promise<
  Record<"GITHUB_OUTPUT" | "GITHUB_ENV" | "GITHUB_STEP_SUMMARY" | "GITHUB_PATH" | "GITHUB_STATE", string>
> {
  const dir = join(runnerTemp, "_runner_file_commands");
  await mkdir(dir, { recursive: true });
  const file = async (name: string) => {
    const path = join(dir, `${name}_${number}`);
    await writeFile(path, "");
    return path;
  };
  return {
    GITHUB_OUTPUT: await file("set_output"),
    GITHUB_ENV: await file("set_env"),
    GITHUB_STEP_SUMMARY: await file("step_summary"),
    GITHUB_PATH: await file("add_path"),
    GITHUB_STATE: await file("save_state"),
  };
}

function runtimeContract(
  context: JobRun,
  extra: {
    token: Token;
    workspace: string;
    runnerTemp: string;
    eventPath: string;
    oidc: Record<string, string> | undefined;
  },
): Record<string, string> {
  const { twin, repo, run, spec } = context;
  const owner = twin.world.users[repo.ownerLogin.toLowerCase()];
  const actor = twin.world.users[run.actorLogin.toLowerCase()];
  return {
    ...twin.runnerOptions.runnerEnv,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_API_URL: twin.url,
    GITHUB_SERVER_URL: `${twin.url}/_web`,
    GITHUB_GRAPHQL_URL: `${twin.url}/graphql`,
    GITHUB_EVENT_NAME: run.event,
    GITHUB_EVENT_PATH: extra.eventPath,
    GITHUB_REPOSITORY: fullName(repo),
    GITHUB_REPOSITORY_ID: String(repo.id),
    GITHUB_REPOSITORY_OWNER: repo.ownerLogin,
    GITHUB_REPOSITORY_OWNER_ID: String(owner?.id ?? 0),
    GITHUB_RUN_ID: String(run.id),
    GITHUB_RUN_NUMBER: String(run.runNumber),
    GITHUB_RUN_ATTEMPT: String(run.runAttempt),
    GITHUB_SHA: run.headSha,
    GITHUB_REF: run.ref ?? `refs/heads/${run.headBranch}`,
    GITHUB_REF_NAME: run.headBranch,
    GITHUB_REF_TYPE: (run.ref ?? "").startsWith("refs/tags/") ? "tag" : "branch",
    GITHUB_REF_PROTECTED: String(repo.protectedBranches.includes(run.headBranch)),
    GITHUB_HEAD_REF: "",
    GITHUB_BASE_REF: "",
    GITHUB_WORKFLOW: run.name,
    GITHUB_WORKFLOW_REF: workflowRef(repo, run),
    GITHUB_WORKFLOW_SHA: run.headSha,
    GITHUB_ACTOR: run.actorLogin,
    GITHUB_ACTOR_ID: String(actor?.id ?? 0),
    GITHUB_TRIGGERING_ACTOR: run.actorLogin,
    GITHUB_JOB: spec?.key ?? "",
    GITHUB_WORKSPACE: extra.workspace,
    RUNNER_TEMP: extra.runnerTemp,
    RUNNER_OS: "Linux",
    RUNNER_ARCH: "X64",
    RUNNER_NAME,
    RUNNER_ENVIRONMENT: "github-hosted",
    ...extra.oidc,
  };
}

/** The workflow_dispatch event payload (GITHUB_EVENT_PATH), shaped like GitHub's webhook. */
function dispatchEvent(context: JobRun): Record<string, unknown> {
  const { twin, repo, run } = context;
  return {
    inputs: run.inputs,
    ref: run.ref ?? `refs/heads/${run.headBranch}`,
    repository: repository(twin, repo),
    sender: simpleUser(twin, run.actorLogin),
    workflow: run.workflowPath,
  };
}

function oidcClaims(
  context: JobRun,
  environment: string | undefined,
): Parameters<typeof grantIdTokenRequests>[1] {
  const { twin, repo, run } = context;
  const ref = run.ref ?? `refs/heads/${run.headBranch}`;
  const name = fullName(repo);
  const wfRef = workflowRef(repo, run);
  return {
    sub: environment ? `repo:${name}:environment:${environment}` : `repo:${name}:ref:${ref}`,
    repository: name,
    repository_id: String(repo.id),
    repository_owner: repo.ownerLogin,
    repository_owner_id: String(twin.world.users[repo.ownerLogin.toLowerCase()]?.id ?? 0),
    repository_visibility: repo.private ? "private" : "public",
    ref,
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    ref_protected: String(repo.protectedBranches.includes(run.headBranch)),
    sha: run.headSha,
    workflow: run.name,
    workflow_ref: wfRef,
    workflow_sha: run.headSha,
    job_workflow_ref: wfRef,
    job_workflow_sha: run.headSha,
    run_id: String(run.id),
    run_number: String(run.runNumber),
    run_attempt: String(run.runAttempt),
    actor: run.actorLogin,
    actor_id: String(twin.world.users[run.actorLogin.toLowerCase()]?.id ?? 0),
    event_name: run.event,
    head_ref: "",
    base_ref: "",
    ...(environment ? { environment } : {}),
    runner_environment: "github-hosted",
  };
}

export function workflowRef(repo: Repo, run: WorkflowRun): string {
  return `${fullName(repo)}/${run.workflowPath}@${run.ref ?? `refs/heads/${run.headBranch}`}`;
}

/** `inputs.X` keeps booleans typed; `github.event.inputs.X` is the same string either way. */
function typedInputs(workflow: ParsedWorkflow, run: WorkflowRun): Record<string, string | boolean> {
  const declared = workflow.dispatch?.inputs ?? {};
  return Object.fromEntries(
    Object.entries(run.inputs).map(([name, value]) => [
      name,
      declared[name]?.type === "boolean" ? value === "true" : value,
    ]),
  );
}

function secretValues(secrets: Record<string, { value: string }>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([name, secret]) => [name, secret.value]));
}

function variables(repo: Repo, environment: Environment | undefined): Record<string, string> {
  const all = { ...repo.variables, ...environment?.variables };
  return Object.fromEntries(Object.entries(all).map(([name, variable]) => [name, variable.value]));
}

/** GitHub creates an Environment the first time a job names it. */
function branchMayDeploy(repo: Repo, run: WorkflowRun, environment: Environment): boolean {
  if (!environment.protectedBranchesOnly) return true;
  if ((run.ref ?? "").startsWith("refs/tags/")) return false;
  return run.headBranch === repo.defaultBranch || repo.protectedBranches.includes(run.headBranch);
}

function startStep(twin: GithubTwin, step: Step | undefined): void {
  if (!step) return;
  step.status = "in_progress";
  step.startedAt = twin.now();
}

function completeStep(twin: GithubTwin, step: Step | undefined, conclusion: string): void {
  if (!step) return;
  step.status = "completed";
  step.conclusion = conclusion;
  step.completedAt = twin.now();
}

function finishJob(context: JobRun, log: JobLog, conclusion: "success" | "failure" | "cancelled"): void {
  const { twin, job } = context;
  const steps = job.steps;
  for (const step of steps.slice(0, -1)) {
    if (step.status !== "completed") {
      // The set-up step carries a refusal; steps never reached are skipped.
      if (step.status === "in_progress") completeStep(twin, step, conclusion);
      else {
        step.status = "completed";
        step.conclusion = "skipped";
      }
    }
  }
  startStep(twin, steps.at(-1));
  log.line("Cleaning up orphan processes");
  completeStep(twin, steps.at(-1), "success");
  job.log = log.toString();
  job.status = "completed";
  job.conclusion = conclusion;
  job.completedAt = twin.now();
}
