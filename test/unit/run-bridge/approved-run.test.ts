// What the approved run may do, checked on the twin's state: ticks and completes the plan's check run, and gets
// one token narrowed to its repository and its Environments' secrets, logged without the token.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BRIDGE_PATHS } from "../../../src/bridge/protocol.ts";
import { startBridgeWorld } from "./world.ts";

const RUN = 7001;

test("a failed apply marks the checklist failed with its fenced detail and fails the plan's check run", async (t) => {
  const world = await startBridgeWorld(t);
  await world.approve(RUN);
  const token = await world.idToken({ run_id: String(RUN) });
  const [first] = world.pinned.plan.steps;
  assert.ok(first);
  const { status, json } = await world.post(
    BRIDGE_PATHS.progress,
    {
      pr: world.pr,
      planHash: world.pinned.hash,
      status: "failed",
      steps: { [first.id]: "failed" },
      detail: "dokploy said <script>alert(1)</script> @maya\n```\nbreak out",
    },
    token,
  );
  assert.equal(status, 200, JSON.stringify(json));
  const checklist = world.checklist() ?? "";
  assert.match(checklist, /\*\*Status:\*\* ❌ failed/);
  assert.match(checklist, /^\| ❌ \| 1 \|/m);
  assert.match(checklist, /````\ndokploy said <script>alert\(1\)<\/script> @maya\n```\nbreak out\n````/);
  const check = world.twin.repoByName("acme/hello-service")?.checkRuns[world.checkRunId];
  assert.equal(check?.status, "completed");
  assert.equal(check?.conclusion, "failure");
});

test("progress naming a step that is not the plan's is refused and changes nothing", async (t) => {
  const world = await startBridgeWorld(t);
  await world.approve(RUN);
  const before = world.snapshot();
  const { status, json } = await world.post(
    BRIDGE_PATHS.progress,
    { pr: world.pr, planHash: world.pinned.hash, status: "done", steps: { "github.rogue:x": "done" } },
    await world.idToken({ run_id: String(RUN) }),
  );
  assert.equal(status, 400);
  assert.deepEqual(json, { message: "steps.github.rogue:x: not a step of the plan" });
  assert.deepEqual(world.snapshot(), before);
});

test("the secrets token is narrowed to the run's repository and environments: write, and never logged", async (t) => {
  const world = await startBridgeWorld(t);
  await world.approve(RUN);
  const { status, json } = await world.post(
    BRIDGE_PATHS.token,
    { pr: world.pr, planHash: world.pinned.hash, purpose: "secrets" },
    await world.idToken({ run_id: String(RUN) }),
  );
  assert.equal(status, 200, JSON.stringify(json));
  const { token } = json as { token: string };
  const issued = world.twin.world.tokens[token];
  assert.ok(issued, "the twin issued it");
  assert.equal(issued.kind, "installation");
  assert.equal(issued.installationId, world.installationId);
  assert.deepEqual(issued.repositoryIds, [world.twin.repoByName("acme/hello-service")?.id]);
  assert.deepEqual(issued.permissions, { metadata: "read", environments: "write" });
  const log = world.logs.join("");
  assert.match(
    log,
    /issued a secrets token \(environments: write on acme\/hello-service only, expires [^)]+\) to run 7001/,
  );
  assert.ok(!log.includes(token), "the token is not in the App's log");
});

test("an installation without environments: write is told what to grant, and no token is issued", async (t) => {
  const world = await startBridgeWorld(t);
  await world.approve(RUN);
  const installation = world.twin.world.installations[world.installationId];
  assert.ok(installation);
  delete installation.permissions.environments;
  const before = world.snapshot();
  const { status, json } = await world.post(
    BRIDGE_PATHS.token,
    { pr: world.pr, planHash: world.pinned.hash, purpose: "secrets" },
    await world.idToken({ run_id: String(RUN) }),
  );
  assert.equal(status, 403);
  assert.match(
    (json as { message: string }).message,
    /lacks environments: write, which storing the deploy token needs/,
  );
  assert.deepEqual(world.snapshot(), before);
});
