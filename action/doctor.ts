// `doctor`: checks what the runner was given — the job token, the branch, the provider secrets — and changes
// nothing. Each check says what to do when it fails.
import * as core from "@actions/core";
import { PROVIDER_SECRETS } from "../src/app/names.ts";
import type { RunContext } from "./run-context.ts";
import { writeSummary } from "./summary.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export async function doctor(ctx: RunContext): Promise<boolean> {
  const checks: Check[] = [];
  try {
    const { data } = await ctx.octokit.rest.repos.get({ owner: ctx.owner, repo: ctx.repo });
    checks.push({ name: "token", ok: true, detail: `the job token reads ${data.full_name}` });
    const onDefault = ctx.ref === `refs/heads/${data.default_branch}`;
    checks.push({
      name: "ref",
      ok: onDefault,
      detail: onDefault
        ? `running on the default branch (${data.default_branch})`
        : `running on ${ctx.ref}, not the default branch ${data.default_branch}: apply refuses to run here`,
    });
  } catch (error) {
    checks.push({
      name: "token",
      ok: false,
      detail: `the job token cannot read ${ctx.owner}/${ctx.repo}: ${(error as Error).message}`,
    });
  }
  for (const [provider, name] of Object.entries(PROVIDER_SECRETS)) {
    const present = ctx.secrets.has(name);
    checks.push({
      name: `${provider} secret`,
      ok: present,
      detail: present
        ? `${name} reaches the Action`
        : `${name} is missing: add it to the ${ctx.environment} Environment (limited to the default branch) and pass \`secrets: \${{ toJSON(secrets) }}\``,
    });
  }
  const rows = checks.map((c) => `| ${c.name} | ${c.ok ? "pass" : "fail"} | ${c.detail} |`);
  await writeSummary(
    ctx,
    ["### devops-agent doctor", "", "| check | result | detail |", "|---|---|---|", ...rows].join("\n"),
  );
  const ok = checks.every((c) => c.ok);
  core.setOutput("result", ok ? "pass" : "fail");
  core.setOutput("checks", JSON.stringify(checks));
  for (const c of checks) core.info(`${c.ok ? "✓" : "✗"} ${c.name}: ${ctx.secrets.redact(c.detail)}`);
  if (!ok) core.setFailed("doctor found problems; see the step summary");
  return ok;
}
