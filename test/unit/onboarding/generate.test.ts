import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import {
  ACTION_PIN,
  ACTION_REPOSITORY,
  BUILD_WORKFLOW_PATH,
  DISPATCH_WORKFLOW_PATH,
  DOMAIN_FORM_PATH,
  DOMAIN_LABEL,
} from "../../../src/app/names.ts";
import { detect } from "../../../src/app/onboarding/detect.ts";
import { onboardingProposal } from "../../../src/app/onboarding/generate.ts";
import { BUILD_ACTION_PINS, dispatchWorkflow } from "../../../src/app/onboarding/workflows.ts";
import { DEPLOY_SCHEMA_PATH, deployJsonSchema, POLICY_SCHEMA_PATH } from "../../../src/config/json-schema.ts";
import { parseDeployConfig, parsePolicy } from "../../../src/config/load.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../../src/config/schema.ts";
import { parseWorkflow } from "../../../src/sandbox/github/runner/workflow-file.ts";
import { sampleFiles } from "../../../src/sandbox/sandbox.ts";

type Dict = Record<string, unknown>;

function propose(files: Record<string, string>, owner = "acme", repo = "hello-service") {
  return onboardingProposal({ detection: detect({ owner, repo, files }), defaultBranch: "main" });
}

function file(files: Record<string, string>, path: string): string {
  const text = files[path];
  assert.ok(text !== undefined, `${path} is proposed`);
  return text;
}

test("deploy.yml: points at its schema, parses with the config loader, and marks each guess with its evidence", () => {
  const { files } = propose(sampleFiles());
  const text = file(files, CONFIG_PATH);
  assert.equal(text.split("\n")[0], "# yaml-language-server: $schema=./deploy.schema.json");
  const config = parseDeployConfig(text);
  assert.deepEqual(config.app, {
    name: "hello-service",
    image: "ghcr.io/acme/hello-service",
    port: 3000,
    health: "/healthz",
  });
  const production = config.environments.production;
  assert.ok(production);
  assert.equal(production.dokploy.registrySecret, "GHCR_PULL_TOKEN");
  // What we cannot know is not invented: no domain, no DNS record, only TODO comments.
  assert.equal(production.domain, undefined);
  assert.equal(production.dns, undefined);
  assert.match(text, /^ {2}port: 3000 # guess: from Dockerfile EXPOSE \(line 8\)$/m);
  assert.match(text, /^ {2}health: \/healthz # guess: from a route string \(src\/server\.js line 20\)$/m);
  assert.match(text, /^ {4}# TODO: the public host name/m);
  assert.match(text, /^ {4}# TODO: the Cloudflare zone/m);
  // The image comes from the build workflow we propose: a fact, not a guess.
  assert.doesNotMatch(text, /image: .*# guess/);
});

test("deploy.yml without port evidence or health route: a fallback port and the default health path, both TODO", () => {
  const { files } = propose({ "index.js": "require('http').createServer().listen(8080)\n" });
  const text = file(files, CONFIG_PATH);
  const config = parseDeployConfig(text);
  assert.equal(config.app.port, 3000);
  assert.match(text, /port: 3000 # guess: nothing names a port .* TODO: set the port/);
  assert.match(text, /# TODO: no health route found/);
  assert.equal(config.app.health, "/healthz");
});

test("deploy.yml sets PORT when the app reads it and the Dockerfile does not", () => {
  const files = sampleFiles();
  files.Dockerfile = (files.Dockerfile as string).replace(/^ENV PORT=.*\n/m, "");
  const text = file(propose(files).files, CONFIG_PATH);
  assert.deepEqual(parseDeployConfig(text).environments.production?.env, { PORT: "3000" });
  assert.match(text, /PORT: "3000" # guess: the app reads process\.env\.PORT \(src\/server\.js line \d+\)/);
  // With ENV PORT in the image, the config leaves it alone.
  assert.deepEqual(
    parseDeployConfig(file(propose(sampleFiles()).files, CONFIG_PATH)).environments.production?.env,
    {},
  );
});

test("policy.yml: version 1, empty allowed zones with a TODO, the Dokploy URL as a TODO; the schemas are the generated ones", () => {
  const { files } = propose(sampleFiles());
  const text = file(files, POLICY_PATH);
  assert.equal(text.split("\n")[0], "# yaml-language-server: $schema=./policy.schema.json");
  const policy = parsePolicy(text);
  assert.deepEqual(policy, {
    version: 1,
    soloMaintainer: false,
    allowedZones: [],
    providers: {},
    postLogs: false,
    bots: [],
  });
  assert.match(text, /# TODO: the DNS zones/);
  assert.match(text, /# TODO: the Dokploy server/);
  assert.match(text, /# approvers:/);
  assert.deepEqual(JSON.parse(file(files, DEPLOY_SCHEMA_PATH)), deployJsonSchema());
  assert.equal((JSON.parse(file(files, POLICY_SCHEMA_PATH)) as Dict).type, "object");
});

test("the dispatch workflow is inside the twin runner's subset, pinned, least-privilege, one run per target", () => {
  const text = file(propose(sampleFiles()).files, DISPATCH_WORKFLOW_PATH);
  const parsed = parseWorkflow(text);
  assert.deepEqual(parsed.problems, []);
  assert.equal(parsed.jobs.length, 1);
  const [job] = parsed.jobs;
  assert.ok(job);
  assert.deepEqual(job.problems, []);
  assert.deepEqual(parsed.permissions, {});
  assert.equal(parsed.concurrency, `devops-agent-\${{ inputs.environment }}`);
  assert.deepEqual(Object.keys(parsed.dispatch?.inputs ?? {}), [
    "command",
    "pr",
    "head-sha",
    "plan-hash",
    "approval-comment-id",
    "environment",
  ]);
  assert.deepEqual(parsed.dispatch?.inputs.command?.options, ["plan", "apply", "verify", "logs", "doctor"]);
  assert.equal(parsed.dispatch?.inputs.environment?.default, "production");
  assert.equal(parsed.dispatch?.inputs["approval-comment-id"]?.required, false);
  assert.deepEqual(job.runsOn, ["ubuntu-latest"]);
  assert.equal(job.environment?.name, `\${{ inputs.environment }}`);
  assert.ok(job.timeoutMinutes <= 60);
  assert.deepEqual(job.permissions, {
    contents: "read",
    issues: "write",
    "pull-requests": "write",
    checks: "read",
    deployments: "write",
    actions: "read",
    "id-token": "write",
    packages: "read",
  });
  // Every permission says why it is there.
  for (const line of text.split("\n").filter((l) => /^ {6}[a-z-]+: (read|write)/.test(l)))
    assert.match(line, / # \w+/, line);
  assert.equal(job.steps.length, 1);
  assert.equal(job.steps[0]?.uses, `${ACTION_REPOSITORY}@${ACTION_PIN}`);
  assert.match(ACTION_PIN, /^[0-9a-f]{40}$/);
  assert.equal(job.steps[0]?.with["github-token"], `\${{ github.token }}`);
  assert.equal(job.steps[0]?.with["plan-hash"], `\${{ inputs.plan-hash }}`);
  assert.equal(
    job.steps[0]?.with.secrets,
    `\${{ toJSON(secrets) }}`,
    "the Environment's secrets reach the Action",
  );
  assert.equal(job.steps[0]?.with["app-url"], `\${{ vars.DEVOPS_AGENT_URL }}`, "the App's URL when unknown");
  const known = parse(dispatchWorkflow({ appUrl: "https://agent.example.com" })) as Dict;
  assert.match(JSON.stringify(known), /"app-url":"https:\/\/agent\.example\.com"/);
  const raw = parse(text) as Dict;
  assert.deepEqual(raw.concurrency, {
    group: `devops-agent-\${{ inputs.environment }}`,
    "cancel-in-progress": false,
  });
});

test("the build workflow: push to the default branch and same-repo PRs, packages: write, actions pinned by SHA, sha-<head> tag", () => {
  const text = file(propose(sampleFiles()).files, BUILD_WORKFLOW_PATH);
  const workflow = parse(text) as Dict;
  assert.deepEqual(workflow.on, { push: { branches: ["main"] }, pull_request: null });
  assert.deepEqual(workflow.permissions, { contents: "read", packages: "write" });
  const job = (workflow.jobs as Record<string, Dict>).image;
  assert.ok(job);
  assert.match(String(job.if), /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
  const steps = job.steps as { uses: string; with: Dict }[];
  for (const step of steps) assert.match(step.uses, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, step.uses);
  assert.deepEqual(
    steps.map((s) => s.uses),
    [BUILD_ACTION_PINS.checkout.uses, BUILD_ACTION_PINS.login.uses, BUILD_ACTION_PINS.buildPush.uses],
  );
  const build = steps[2];
  assert.equal(build?.with.push, true);
  assert.equal(
    build?.with.tags,
    `ghcr.io/acme/hello-service:sha-\${{ github.event.pull_request.head.sha || github.sha }}`,
  );
  assert.equal(steps[0]?.with.ref, `\${{ github.event.pull_request.head.sha || github.sha }}`);
  assert.equal(steps[1]?.with.registry, "ghcr.io");
});

test("an existing GHCR build workflow: no build workflow is proposed, and the body says why", () => {
  const files = sampleFiles();
  files[".github/workflows/release.yml"] =
    "jobs:\n  x:\n    steps:\n      - run: docker push ghcr.io/acme/hello-service:1\n";
  const proposal = propose(files);
  assert.equal(proposal.files[BUILD_WORKFLOW_PATH], undefined);
  assert.ok(proposal.files[DISPATCH_WORKFLOW_PATH]);
  assert.match(proposal.body, /already pushes to GHCR/);
  assert.doesNotMatch(proposal.body, new RegExp(BUILD_WORKFLOW_PATH.replace(/[./]/g, "\\$&")));
  assert.match(file(proposal.files, CONFIG_PATH), /image: ghcr\.io\/acme\/hello-service # guess:/);
});

test("the domain issue form: name, description, the domain label, inputs host, zone, target, proxied dropdown, environment", () => {
  const form = parse(file(propose(sampleFiles()).files, DOMAIN_FORM_PATH)) as Dict;
  assert.equal(typeof form.name, "string");
  assert.equal(typeof form.description, "string");
  assert.deepEqual(form.labels, [DOMAIN_LABEL]);
  const body = form.body as { type: string; id?: string; attributes: Dict; validations?: Dict }[];
  const fields = body.filter((b) => b.type !== "markdown");
  assert.deepEqual(
    fields.map((b) => [b.id, b.type]),
    [
      ["host", "input"],
      ["zone", "input"],
      ["target", "input"],
      ["proxied", "dropdown"],
      ["environment", "input"],
    ],
  );
  for (const field of fields) {
    assert.equal(typeof field.attributes.label, "string");
    assert.match(String(field.id), /^[a-z][a-z0-9_-]*$/);
  }
  assert.deepEqual(fields[3]?.attributes.options, ["false", "true"]);
  assert.equal(fields[4]?.attributes.value, "production");
  for (const allowed of body)
    assert.ok(["markdown", "input", "dropdown", "textarea", "checkboxes"].includes(allowed.type));
});

test("the PR body: files, guesses with evidence, the manual checklist with the secret names", () => {
  const { body, title } = propose(sampleFiles());
  assert.equal(title, "Set up devops-agent");
  for (const path of [
    CONFIG_PATH,
    POLICY_PATH,
    DISPATCH_WORKFLOW_PATH,
    BUILD_WORKFLOW_PATH,
    DOMAIN_FORM_PATH,
  ])
    assert.ok(body.includes(`\`${path}\``), path);
  assert.match(body, /Container port \*\*3000\*\* \(guess: Dockerfile EXPOSE, line 8\)/);
  assert.match(body, /Health route `\/healthz` \(guess: a route string, `src\/server\.js` line 20\)/);
  assert.match(body, /- \[ \] Create the `production` Environment limited to the default branch/);
  assert.match(body, /Selected branches and tags\*\* → add `main`/);
  for (const secret of ["DOKPLOY_API_KEY", "CLOUDFLARE_API_TOKEN", "GHCR_PULL_TOKEN"])
    assert.match(body, new RegExp(`- \\[ \\] \`${secret}\``));
  assert.match(body, /- \[ \] Fill in the TODOs/);
  assert.match(body, /- \[ \] Merge this pull request/);
});

test("the PR body quotes repository text only inertly: a file name or package field cannot mention anyone or inject HTML", () => {
  const files = {
    "src/@maya <img src=x>.js": 'app.get("/health", h)\n',
    "package.json": '{"name":"x","packageManager":"pnpm@9 @acme/admins <b>"}',
  };
  const { body } = propose(files);
  // File names sit in code spans, where GitHub renders neither mentions nor HTML.
  assert.ok(body.includes("`src/@maya <img src=x>.js`"));
  const outsideCode = body.replace(/`[^`\n]*`/g, "");
  assert.doesNotMatch(outsideCode, /@maya|@acme|<img|<b>/);
  assert.match(outsideCode, /@\u200Dacme\/admins &lt;b&gt;/);
});
