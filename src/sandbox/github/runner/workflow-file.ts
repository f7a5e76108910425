// Reading a workflow file: exactly the subset of GitHub's workflow syntax that devops-agent's generated
// workflows use. Every key outside it becomes a problem naming the key, and a run with problems fails with an
// `##[error]` line per problem: the twin must never pretend to run a workflow GitHub would run differently.
import { parse } from "yaml";
import { expressionProblems, isAlwaysCondition } from "./expressions.ts";

export type InputType = "string" | "choice" | "boolean";

export interface WorkflowInput {
  description: string | undefined;
  required: boolean;
  default: string | boolean | undefined;
  type: InputType;
  options: string[];
}

/** `permissions:` as written: scope → read | write | none. */
export type WorkflowPermissions = Record<string, "read" | "write" | "none">;

export interface WorkflowStep {
  id: string | undefined;
  name: string | undefined;
  uses: string;
  with: Record<string, string>;
  env: Record<string, string>;
  /** `if: ${{ always() }}`: runs even after a failed step. */
  always: boolean;
}

export interface WorkflowJob {
  key: string;
  name: string | undefined;
  runsOn: string[];
  environment: { name: string; url: string | undefined } | undefined;
  permissions: WorkflowPermissions | undefined;
  timeoutMinutes: number;
  steps: WorkflowStep[];
  problems: string[];
}

export interface ParsedWorkflow {
  name: string | undefined;
  /** Null when the workflow has no `workflow_dispatch` trigger. */
  dispatch: { inputs: Record<string, WorkflowInput> } | null;
  permissions: WorkflowPermissions | undefined;
  concurrency: string | null;
  jobs: WorkflowJob[];
  /** Problems with the file as a whole: every job fails with them. */
  problems: string[];
}

const TOP_KEYS = ["name", "on", "permissions", "concurrency", "jobs"];
const JOB_KEYS = ["name", "runs-on", "environment", "permissions", "timeout-minutes", "steps"];
const STEP_KEYS = ["id", "name", "uses", "with", "env", "if"];
const INPUT_KEYS = ["description", "required", "default", "type", "options"];
const PERMISSION_SCOPES = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
];
/** GitHub's default for a job running 6 hours. */
const DEFAULT_TIMEOUT_MINUTES = 360;

type Dict = Record<string, unknown>;
const isDict = (value: unknown): value is Dict =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const scalar = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

function unknownKeys(value: Dict, allowed: string[], where: string): string[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map(
      (key) => `Unsupported key '${key}' in ${where}: the twin's runner supports only ${allowed.join(", ")}`,
    );
}

export function parseWorkflow(text: string): ParsedWorkflow {
  const workflow: ParsedWorkflow = {
    name: undefined,
    dispatch: null,
    permissions: undefined,
    concurrency: null,
    jobs: [],
    problems: [],
  };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    workflow.problems.push(`Invalid workflow file: ${(error as Error).message.split("\n")[0]}`);
    return workflow;
  }
  if (!isDict(doc)) {
    workflow.problems.push("Invalid workflow file: the document is not a mapping");
    return workflow;
  }
  const problems = workflow.problems;
  problems.push(...unknownKeys(doc, TOP_KEYS, "the workflow"));
  if (doc.name !== undefined) workflow.name = scalar(doc.name);
  workflow.dispatch = readDispatch(doc.on, problems);
  if (doc.permissions !== undefined)
    workflow.permissions = readPermissions(doc.permissions, "the workflow", problems);
  workflow.concurrency = readConcurrency(doc.concurrency, problems);
  if (!isDict(doc.jobs) || Object.keys(doc.jobs).length === 0) {
    problems.push("Invalid workflow file: 'jobs' must map at least one job id to a job");
    return workflow;
  }
  for (const [key, raw] of Object.entries(doc.jobs)) workflow.jobs.push(readJob(key, raw));
  return workflow;
}

function readDispatch(on: unknown, problems: string[]): ParsedWorkflow["dispatch"] {
  if (on === "workflow_dispatch") return { inputs: {} };
  if (Array.isArray(on)) return on.includes("workflow_dispatch") ? { inputs: {} } : null;
  // Other triggers may sit beside workflow_dispatch: they do not concern a dispatched run.
  if (!isDict(on) || !("workflow_dispatch" in on)) return null;
  const trigger = on.workflow_dispatch;
  if (trigger === null || trigger === undefined) return { inputs: {} };
  if (!isDict(trigger)) {
    problems.push("Invalid workflow file: 'on.workflow_dispatch' must be a mapping");
    return { inputs: {} };
  }
  problems.push(...unknownKeys(trigger, ["inputs"], "on.workflow_dispatch"));
  const inputs: Record<string, WorkflowInput> = {};
  for (const [name, raw] of Object.entries(isDict(trigger.inputs) ? trigger.inputs : {})) {
    const spec = isDict(raw) ? raw : {};
    problems.push(...unknownKeys(spec, INPUT_KEYS, `input '${name}'`));
    const type = scalar(spec.type || "string");
    if (type !== "string" && type !== "choice" && type !== "boolean") {
      problems.push(
        `Unsupported input type '${type}' for input '${name}': the twin's runner supports string, choice, boolean`,
      );
    }
    inputs[name] = {
      description: spec.description === undefined ? undefined : scalar(spec.description),
      required: spec.required === true,
      default:
        typeof spec.default === "boolean"
          ? spec.default
          : spec.default === undefined
            ? undefined
            : scalar(spec.default),
      type: (["string", "choice", "boolean"].includes(type) ? type : "string") as InputType,
      options: Array.isArray(spec.options) ? spec.options.map(scalar) : [],
    };
  }
  return { inputs };
}

function readPermissions(raw: unknown, where: string, problems: string[]): WorkflowPermissions {
  if (raw === "read-all" || raw === "write-all") {
    const level = raw === "read-all" ? "read" : "write";
    return Object.fromEntries(
      PERMISSION_SCOPES.map((scope) => [scope, scope === "id-token" && level === "read" ? "none" : level]),
    );
  }
  if (!isDict(raw)) {
    problems.push(`Invalid 'permissions' in ${where}: expected read-all, write-all or a mapping`);
    return {};
  }
  const permissions: WorkflowPermissions = {};
  for (const [scope, level] of Object.entries(raw)) {
    if (!PERMISSION_SCOPES.includes(scope)) problems.push(`Unknown permission scope '${scope}' in ${where}`);
    else if (level !== "read" && level !== "write" && level !== "none") {
      problems.push(`Invalid permission level '${scalar(level)}' for '${scope}' in ${where}`);
    } else permissions[scope] = level;
  }
  return permissions;
}

function readConcurrency(raw: unknown, problems: string[]): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "string") return raw;
  if (isDict(raw)) {
    problems.push(...unknownKeys(raw, ["group", "cancel-in-progress"], "concurrency"));
    return scalar(raw.group);
  }
  problems.push("Invalid 'concurrency': expected a group name or {group, cancel-in-progress}");
  return null;
}

function readJob(key: string, raw: unknown): WorkflowJob {
  const job: WorkflowJob = {
    key,
    name: undefined,
    runsOn: [],
    environment: undefined,
    permissions: undefined,
    timeoutMinutes: DEFAULT_TIMEOUT_MINUTES,
    steps: [],
    problems: [],
  };
  const where = `job '${key}'`;
  if (!isDict(raw)) {
    job.problems.push(`Invalid ${where}: expected a mapping`);
    return job;
  }
  job.problems.push(...unknownKeys(raw, JOB_KEYS, where));
  if (raw.name !== undefined) {
    job.name = scalar(raw.name);
    job.problems.push(...expressionProblems(job.name, `${where} name`));
  }
  job.runsOn = (Array.isArray(raw["runs-on"]) ? raw["runs-on"] : [raw["runs-on"]])
    .filter((l) => l !== undefined)
    .map(scalar);
  if (job.runsOn.length === 0) job.problems.push(`Invalid ${where}: 'runs-on' is required`);
  const environment = raw.environment;
  if (typeof environment === "string") job.environment = { name: environment, url: undefined };
  else if (isDict(environment)) {
    job.problems.push(...unknownKeys(environment, ["name", "url"], `${where} environment`));
    job.environment = {
      name: scalar(environment.name),
      url: environment.url === undefined ? undefined : scalar(environment.url),
    };
    job.problems.push(...expressionProblems(job.environment.url ?? "", `${where} environment url`));
  } else if (environment !== undefined)
    job.problems.push(`Invalid ${where}: 'environment' must be a name or {name, url}`);
  if (job.environment)
    job.problems.push(...expressionProblems(job.environment.name, `${where} environment name`));
  if (raw.permissions !== undefined) job.permissions = readPermissions(raw.permissions, where, job.problems);
  if (raw["timeout-minutes"] !== undefined) {
    const minutes = Number(raw["timeout-minutes"]);
    if (!Number.isFinite(minutes) || minutes <= 0)
      job.problems.push(`Invalid ${where}: 'timeout-minutes' must be a positive number`);
    else job.timeoutMinutes = minutes;
  }
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
    job.problems.push(`Invalid ${where}: 'steps' must list at least one step`);
  } else {
    for (const [index, step] of raw.steps.entries()) {
      job.steps.push(readStep(step, `${where} step ${index + 1}`, job.problems));
    }
  }
  return job;
}

function readStep(raw: unknown, where: string, problems: string[]): WorkflowStep {
  const step: WorkflowStep = { id: undefined, name: undefined, uses: "", with: {}, env: {}, always: false };
  if (!isDict(raw)) {
    problems.push(`Invalid ${where}: expected a mapping`);
    return step;
  }
  if ("run" in raw) {
    problems.push(
      `Unsupported key 'run' in ${where}: the twin's runner executes only this project's Action, not shell steps`,
    );
  }
  problems.push(...unknownKeys(raw, STEP_KEYS, where).filter((p) => !p.startsWith("Unsupported key 'run'")));
  if (raw.id !== undefined) step.id = scalar(raw.id);
  if (raw.name !== undefined) step.name = scalar(raw.name);
  if (typeof raw.uses === "string") step.uses = raw.uses;
  else if (!("run" in raw)) problems.push(`Invalid ${where}: 'uses' is required`);
  for (const field of ["with", "env"] as const) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (!isDict(value)) {
      problems.push(`Invalid ${where}: '${field}' must be a mapping`);
      continue;
    }
    for (const [name, entry] of Object.entries(value)) {
      step[field][name] = scalar(entry);
      problems.push(...expressionProblems(step[field][name] ?? "", `${where} ${field}.${name}`));
    }
  }
  if (raw.if !== undefined) {
    if (isAlwaysCondition(scalar(raw.if))) step.always = true;
    else
      problems.push(
        `Unsupported condition 'if: ${scalar(raw.if)}' in ${where}: the twin's runner supports only \${{ always() }}`,
      );
  }
  return step;
}
