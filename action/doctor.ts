// `doctor`: checks what the runner was given — the job token, the branch, the provider secrets — and, through
// the App, where those secrets live; changes nothing. Each check says what to do when it fails.
import * as core from "@actions/core";
import { PROVIDER_SECRETS } from "../src/app/names.ts";
import { type BridgeClient, BridgeError, createBridgeClient } from "../src/bridge/client.ts";
import type { DoctorResponse } from "../src/bridge/protocol.ts";
import type { RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

/** `not verified`: the check could not run here; it does not fail doctor, and is never shown as passed. */
export type CheckResult = "pass" | "fail" | "not verified";

export interface Check {
  name: string;
  result: CheckResult;
  detail: string;
}

export const SECRETS_CHECK = "secrets in the Environment";
export const BRANCH_CHECK = "environment limited to the default branch";

const MARK: Record<CheckResult, string> = { pass: "✓", fail: "✗", "not verified": "?" };

export async function doctor(ctx: RunContext): Promise<boolean> {
  const bridge = ctx.appUrl
    ? createBridgeClient({ appUrl: ctx.appUrl, getIdToken: (audience) => core.getIDToken(audience) })
    : undefined;
  const checks = await doctorChecks(ctx, { bridge });
  const rows = checks.map((c) => `| ${c.name} | ${c.result} | ${c.detail} |`);
  await writeSummary(
    ctx,
    ["### devops-agent doctor", "", "| check | result | detail |", "|---|---|---|", ...rows].join("\n"),
  );
  const ok = checks.every((c) => c.result !== "fail");
  core.setOutput("result", ok ? "pass" : "fail");
  core.setOutput("checks", JSON.stringify(checks));
  for (const c of checks) core.info(`${MARK[c.result]} ${c.name}: ${ctx.secrets.redact(c.detail)}`);
  if (!ok) core.setFailed("doctor found problems; see the step summary");
  return ok;
}

/** Every check, without writing anything: the runner's view, then the App's (when there is an App to ask). */
export async function doctorChecks(
  ctx: Pick<RunContext, "owner" | "repo" | "ref" | "octokit" | "secrets" | "environment">,
  options: { bridge: Pick<BridgeClient, "doctor"> | undefined },
): Promise<Check[]> {
  const checks: Check[] = [];
  let defaultBranch: string | undefined;
  try {
    const { data } = await ctx.octokit.rest.repos.get({ owner: ctx.owner, repo: ctx.repo });
    defaultBranch = data.default_branch;
    checks.push({ name: "token", result: "pass", detail: `the job token reads ${data.full_name}` });
    const onDefault = ctx.ref === `refs/heads/${data.default_branch}`;
    checks.push({
      name: "ref",
      result: onDefault ? "pass" : "fail",
      detail: onDefault
        ? `running on the default branch (${data.default_branch})`
        : `running on ${ctx.ref}, not the default branch ${data.default_branch}: apply refuses to run here`,
    });
  } catch (error) {
    checks.push({
      name: "token",
      result: "fail",
      detail: `the job token cannot read ${ctx.owner}/${ctx.repo}: ${(error as Error).message}`,
    });
  }
  for (const [provider, name] of Object.entries(PROVIDER_SECRETS)) {
    const present = ctx.secrets.has(name);
    checks.push({
      name: `${provider} secret`,
      result: present ? "pass" : "fail",
      detail: present
        ? `${name} reaches the Action`
        : `${name} is missing: add it to the ${ctx.environment} Environment (limited to the default branch) and pass \`secrets: \${{ toJSON(secrets) }}\``,
    });
  }
  checks.push(...(await placementChecks({ ...options, environment: ctx.environment, defaultBranch })));
  return checks;
}

async function placementChecks(options: {
  bridge: Pick<BridgeClient, "doctor"> | undefined;
  environment: string;
  defaultBranch: string | undefined;
}): Promise<Check[]> {
  const { bridge, environment } = options;
  if (!bridge) {
    return [
      {
        name: SECRETS_CHECK,
        result: "not verified",
        detail:
          "could not be verified: the job token cannot list secrets and the Action receives repository and " +
          "Environment secrets merged, so only the App can tell a repository-level copy from the " +
          `${environment} Environment's. Set the repository variable DEVOPS_AGENT_URL to the App's URL ` +
          "(the dispatch workflow passes it as `app-url`) and doctor asks the App",
      },
    ];
  }
  let report: DoctorResponse;
  try {
    report = await bridge.doctor({ environment });
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    return [{ name: SECRETS_CHECK, result: "fail", detail: `could not ask the App: ${error.message}` }];
  }
  return [secretsCheck(report), branchCheck(report, options.defaultBranch ?? "the default branch")];
}

function secretsCheck(report: DoctorResponse): Check {
  const env = report.environment;
  if (report.repositorySecrets.length === 0) {
    return {
      name: SECRETS_CHECK,
      result: "pass",
      detail:
        env.secrets.length > 0
          ? `no repository-level copy; the ${env.name} Environment holds ${env.secrets.join(", ")}`
          : "no provider secret is a repository secret",
    };
  }
  const copies = report.repositorySecrets.map((name) =>
    env.secrets.includes(name)
      ? `${name} (keep the ${env.name} Environment's)`
      : `${name} (add it to the ${env.name} Environment first)`,
  );
  return {
    name: SECRETS_CHECK,
    result: "fail",
    // Names first: the log's redactor takes any word after "secrets:" for a value.
    detail:
      `${copies.join(", ")} ${copies.length === 1 ? "is also a repository secret" : "are also repository secrets"}. ` +
      "Any writer's branch workflow can " +
      `read a repository secret, skipping the ${env.name} Environment's approval: delete each from ` +
      "Settings → Secrets and variables → Actions → Repository secrets",
  };
}

function branchCheck(report: DoctorResponse, defaultBranch: string): Check {
  const env = report.environment;
  const where = `Settings → Environments → ${env.name} → Deployment branches and tags`;
  if (!env.exists) {
    return {
      name: BRANCH_CHECK,
      result: "fail",
      detail: `the ${env.name} Environment does not exist: create it in Settings → Environments, then in ${where} allow ${defaultBranch} only`,
    };
  }
  if (env.protectedBranchesOnly) {
    return {
      name: BRANCH_CHECK,
      result: "pass",
      detail: `only protected branches may use ${env.name}; keep ${defaultBranch} the only protected branch`,
    };
  }
  if (env.customBranchPolicies) {
    return {
      name: BRANCH_CHECK,
      result: "pass",
      detail: `only branches matching ${env.name}'s selected branch rules may use it; they should name ${defaultBranch} only`,
    };
  }
  return {
    name: BRANCH_CHECK,
    result: "fail",
    detail: `any branch may use the ${env.name} Environment and its secrets: in ${where}, choose "Selected branches and tags" with ${defaultBranch} only (or "Protected branches only")`,
  };
}
