// The Action's entry: translates the Actions runtime (inputs, env, outputs, step summary) into kernel calls.
// Issue #4 adds plan, apply, verify and logs; today `doctor` checks what the runner was given.
import * as core from "@actions/core";
import * as github from "@actions/github";

const COMMANDS = ["plan", "apply", "verify", "logs", "doctor"] as const;
type ActionCommand = (typeof COMMANDS)[number];

export async function run(): Promise<void> {
  const command = core.getInput("command", { required: true }) as ActionCommand;
  if (!COMMANDS.includes(command)) {
    core.setFailed(`input 'command' must be one of ${COMMANDS.join(", ")}; got '${command}'`);
    return;
  }
  if (command !== "doctor") {
    core.setFailed(`devops-agent ${command} is not built yet (issue #4); nothing was changed.`);
    return;
  }
  await doctor();
}

async function doctor(): Promise<void> {
  const token = core.getInput("github-token", { required: true });
  core.setSecret(token);
  const octokit = github.getOctokit(token, {
    baseUrl: process.env.GITHUB_API_URL ?? "https://api.github.com",
  });
  const { owner, repo } = github.context.repo;
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo });
    checks.push({ name: "token", ok: true, detail: `the job token reads ${data.full_name}` });
    const onDefault = github.context.ref === `refs/heads/${data.default_branch}`;
    checks.push({
      name: "ref",
      ok: onDefault,
      detail: onDefault
        ? `running on the default branch (${data.default_branch})`
        : `running on ${github.context.ref}, not the default branch ${data.default_branch}: apply refuses to run here`,
    });
  } catch (error) {
    checks.push({
      name: "token",
      ok: false,
      detail: `the job token cannot read ${owner}/${repo}: ${(error as Error).message}`,
    });
  }
  await core.summary
    .addHeading("devops-agent doctor", 2)
    .addTable([
      [
        { data: "check", header: true },
        { data: "result", header: true },
        { data: "detail", header: true },
      ],
      ...checks.map((c) => [c.name, c.ok ? "pass" : "fail", c.detail]),
    ])
    .write();
  const ok = checks.every((c) => c.ok);
  core.setOutput("result", ok ? "pass" : "fail");
  core.setOutput("checks", JSON.stringify(checks));
  for (const c of checks) core.info(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
  if (!ok) core.setFailed("doctor found problems; see the step summary");
}

run().catch((error: unknown) => core.setFailed(`devops-agent: ${(error as Error)?.message ?? error}`));
