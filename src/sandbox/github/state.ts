// The GitHub twin's whole world as plain JSON-able data, so it can be saved to and loaded from one directory.
// Handlers mutate it through the twin; nothing else holds state.

export type Role = "read" | "triage" | "write" | "maintain" | "admin";
export type PermissionLevel = "read" | "write" | "admin";

export interface User {
  id: number;
  login: string;
  type: "User" | "Organization" | "Bot";
  name: string;
  email: string;
}

export interface App {
  id: number;
  slug: string;
  name: string;
  ownerLogin: string;
  /** PEM public key the App's JWTs are checked against. */
  publicKeyPem: string;
  webhookUrl: string | null;
  webhookSecret: string;
  permissions: Record<string, PermissionLevel>;
  events: string[];
}

export interface Installation {
  id: number;
  appId: number;
  accountLogin: string;
  repositorySelection: "all" | "selected";
  repositoryIds: number[];
  permissions: Record<string, PermissionLevel>;
  createdAt: string;
}

export interface Token {
  token: string;
  kind: "installation" | "user" | "run";
  /** installation or run: the installation (runs use the github-actions installation of the repo). */
  installationId?: number;
  login?: string;
  repositoryIds?: number[];
  permissions?: Record<string, PermissionLevel>;
  runId?: number;
  expiresAt: string;
}

export interface GitBlob {
  type: "blob";
  sha: string;
  /** base64 */
  content: string;
  size: number;
}
export interface GitTree {
  type: "tree";
  sha: string;
  /** path (flat, with slashes) → blob sha */
  entries: Record<string, string>;
}
export interface GitCommit {
  type: "commit";
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string; login?: string };
  committer: { name: string; email: string; date: string; login?: string };
}
export type GitObject = GitBlob | GitTree | GitCommit;

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  userLogin: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when this issue is a pull request. */
  pull?: PullData;
}

export interface PullData {
  headRef: string;
  headSha: string;
  /** owner/name of the head repository (a fork when it differs). */
  headRepo: string;
  baseRef: string;
  baseSha: string;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedByLogin: string | null;
  draft: boolean;
}

export interface Comment {
  id: number;
  issueNumber: number;
  userLogin: string;
  /** Set when an App wrote the comment through an installation token. */
  appId?: number;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface CheckRun {
  id: number;
  appId: number;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  creatorLogin: string;
  appId?: number;
  createdAt: string;
  updatedAt: string;
  statuses: DeploymentStatus[];
}

export interface DeploymentStatus {
  id: number;
  state: string;
  description: string;
  environmentUrl: string;
  logUrl: string;
  creatorLogin: string;
  createdAt: string;
  updatedAt: string;
}

export interface SecretBox {
  /** base64 Curve25519 keypair; the twin decrypts sealed values with it. */
  keyId: string;
  publicKey: string;
  privateKey: string;
}

export interface Secret {
  name: string;
  /** The decrypted value: the twin must hand it to workflow runs. Never served over the API. */
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface Variable {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface Environment {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Deployment branch policy: only protected branches / the default branch may deploy. */
  protectedBranchesOnly: boolean;
  /** Deploys limited to branches matching name patterns (the other kind of deployment branch policy). */
  customBranchPolicies?: boolean;
  secretBox: SecretBox;
  secrets: Record<string, Secret>;
  variables: Record<string, Variable>;
}

export interface WorkflowRun {
  id: number;
  workflowPath: string;
  name: string;
  event: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  headBranch: string;
  headSha: string;
  actorLogin: string;
  inputs: Record<string, string>;
  runNumber: number;
  runAttempt: number;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  jobIds: number[];
  /** The full ref dispatched (refs/heads/main, refs/tags/v1). */
  ref?: string;
  /** The workflow's concurrency group, as declared (recorded, not enforced). */
  concurrency?: string | null;
}

export interface Job {
  id: number;
  runId: number;
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  steps: {
    name: string;
    number: number;
    status: string;
    conclusion: string | null;
    startedAt: string | null;
    completedAt: string | null;
  }[];
  /** The job's log as GitHub serves it: each line prefixed with an ISO timestamp. */
  log: string;
  /** What the steps wrote to GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, per step id or number. */
  outputs: Record<string, Record<string, string>>;
  summary: string;
  /** The job's key under `jobs:` (GITHUB_JOB), its `runs-on` labels and Environment. */
  jobKey?: string;
  labels?: string[];
  environment?: string | null;
  createdAt?: string;
}

export interface PackageVersion {
  id: number;
  /** The manifest digest, sha256:… */
  name: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Repo {
  id: number;
  ownerLogin: string;
  name: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  collaborators: Record<string, Role>;
  objects: Record<string, GitObject>;
  /** Full ref name (refs/heads/main) → sha */
  refs: Record<string, string>;
  /** Branches with protection enabled. */
  protectedBranches: string[];
  issues: Record<number, Issue>;
  nextIssueNumber: number;
  comments: Record<number, Comment>;
  labels: Record<string, Label>;
  checkRuns: Record<number, CheckRun>;
  deployments: Record<number, Deployment>;
  secretBox: SecretBox;
  secrets: Record<string, Secret>;
  variables: Record<string, Variable>;
  environments: Record<string, Environment>;
  runs: Record<number, WorkflowRun>;
  jobs: Record<number, Job>;
  nextRunNumber: Record<string, number>;
  /** Workflow file path → its stable workflow id (assigned when first seen). */
  workflowIds?: Record<string, number>;
  /** container packages published from this repository: package name → versions */
  packages: Record<string, PackageVersion[]>;
  /** Repository topics, as set on github.com (none unless seeded). */
  topics?: string[];
}

export interface WorldState {
  nextId: number;
  users: Record<string, User>;
  apps: Record<number, App>;
  installations: Record<number, Installation>;
  tokens: Record<string, Token>;
  repos: Record<string, Repo>;
  /** One-time log download URLs: key → content and expiry. */
  logLinks: Record<string, { kind: "job" | "run"; repo: string; id: number; expiresAt: string }>;
}

export function emptyWorld(): WorldState {
  return { nextId: 1000, users: {}, apps: {}, installations: {}, tokens: {}, repos: {}, logLinks: {} };
}
