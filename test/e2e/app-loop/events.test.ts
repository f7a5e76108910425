// Which events may act (DESIGN rule 1): new comments only, never edits; an edited approval is void; bots only
// when the default branch's policy names them; a domain label only from someone who may deploy. Plus the
// push+ gate on operator commands (rule 2) and untrusted text in replies.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFIG_PATH } from "../../../src/config/schema.ts";
import { addUser } from "../../../src/sandbox/github/world.ts";
import {
  applyRuns,
  assertNoEffect,
  NAME,
  OWNER,
  planned,
  planRuns,
  startAppLoop,
} from "../../support/app-loop.ts";

test("[authz:commands-only-created] allows a new /devops deploy comment", async (t) => {
  const loop = await startAppLoop(t);
  await loop.comment("wes", "/devops deploy");
  assert.equal(planRuns(loop).length, 1, loop.lastReply());
});

test("[authz:commands-only-created] refuses to act on a comment edited into /devops deploy", async (t) => {
  const loop = await startAppLoop(t);
  const id = await loop.comment("wes", "looks good");
  const before = loop.snapshot();
  await loop
    .as("wes")
    .rest.issues.updateComment({ owner: OWNER, repo: NAME, comment_id: id, body: "/devops deploy" });
  await loop.twin.settled();
  assert.ok(
    loop.twin.deliveries.some(
      (d) => d.event === "issue_comment" && d.action === "edited" && d.status === 200,
    ),
  );
  assert.deepEqual(loop.appComments(), []);
  assertNoEffect(loop, before);
});

test("[authz:edited-approve-void] allows an unedited /approve", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", "/approve");
  assert.equal(applyRuns(loop).length, 1, loop.lastReply());
});

test("[authz:edited-approve-void] refuses an /approve edited before the App checked it", async (t) => {
  const loop = await startAppLoop(t);
  await planned(loop);
  const payload = await loop.withheld(async () => {
    const id = await loop.comment("maya", "/approve");
    // GitHub builds the created delivery when the comment is created; it may reach the App after an edit.
    const created = loop.createdPayload(id, "maya");
    loop.advance(1000);
    await loop.as("maya").rest.issues.updateComment({
      owner: OWNER,
      repo: NAME,
      comment_id: id,
      body: "/approve\n(edited: meant for the other pull request)",
    });
    return created;
  });
  const before = loop.snapshot();
  await loop.deliver("issue_comment", payload);
  assert.match(
    loop.lastReply(),
    /^`@maya` cannot approve: this `\/approve` comment was edited, and an edited approval is void/,
  );
  assertNoEffect(loop, before);
});

function addBot(loop: Awaited<ReturnType<typeof startAppLoop>>): void {
  addUser(loop.twin, { login: "helper[bot]", type: "Bot" });
  loop.repo.collaborators["helper[bot]"] = "write";
}

test("[authz:bots-ignored] refuses a bot's command silently when policy names no bots", async (t) => {
  const loop = await startAppLoop(t);
  addBot(loop);
  const before = loop.snapshot();
  await loop.comment("helper[bot]", "/devops deploy");
  assert.deepEqual(loop.appComments(), []);
  assertNoEffect(loop, before);
});

test("[authz:bots-ignored] allows a bot the default branch's policy names", async (t) => {
  const loop = await startAppLoop(t, {
    policy: 'version: 1\nallowedZones: [example.com]\nbots: ["helper[bot]"]\n',
  });
  addBot(loop);
  await loop.comment("helper[bot]", "/devops deploy");
  assert.equal(planRuns(loop).length, 1, loop.lastReply());
});

test("[authz:deploy-needs-push] allows a writer's /devops plan (read-only: no approval asked)", async (t) => {
  const loop = await startAppLoop(t);
  await loop.comment("wes", "/devops plan");
  assert.equal(planRuns(loop).length, 1, loop.lastReply());
  assert.match(loop.checklist() ?? "", /read-only plan/);
});

test("[authz:deploy-needs-push] refuses a triager's /devops plan and /devops deploy", async (t) => {
  const loop = await startAppLoop(t);
  const before = loop.snapshot();
  await loop.comment("tara", "/devops plan");
  assert.match(
    loop.lastReply(),
    /^`@tara` cannot run \/devops plan: \/devops plan needs push \(write\) access or above; `@tara` has triage\. Ask someone with write access to comment it\.$/,
  );
  await loop.comment("tara", "/devops deploy production");
  assert.match(loop.lastReply(), /^`@tara` cannot run \/devops deploy/);
  assertNoEffect(loop, before);
});

test("[authz:labeled-needs-deploy-permission] allows a writer's devops:domain label", async (t) => {
  const loop = await startAppLoop(t);
  const wes = loop.as("wes");
  const { data: issue } = await wes.rest.issues.create({
    owner: OWNER,
    repo: NAME,
    title: "app.example.com",
  });
  await wes.rest.issues.addLabels({
    owner: OWNER,
    repo: NAME,
    issue_number: issue.number,
    labels: ["devops:domain"],
  });
  await loop.twin.settled();
  assert.match(loop.lastReply(issue.number), /^Domain setup requested by `@wes`/);
});

test("[authz:labeled-needs-deploy-permission] refuses a triager's devops:domain label", async (t) => {
  const loop = await startAppLoop(t);
  const { data: issue } = await loop
    .as("wes")
    .rest.issues.create({ owner: OWNER, repo: NAME, title: "app.example.com" });
  await loop.twin.settled();
  const before = loop.snapshot();
  await loop.as("tara").rest.issues.addLabels({
    owner: OWNER,
    repo: NAME,
    issue_number: issue.number,
    labels: ["devops:domain"],
  });
  await loop.twin.settled();
  assert.match(loop.lastReply(issue.number), /^`@tara` cannot request a domain setup: .*`@tara` has triage/);
  assertNoEffect(loop, before);
});

test("[comments:untrusted-text-fenced] allows config problems into a reply only inside a fence", async (t) => {
  const hostile = '"@maya <img src=x onerror=alert(1)> ```"';
  const loop = await startAppLoop(t, {
    prFiles: { [CONFIG_PATH]: `version: 1\n${hostile}: 1\n` },
  });
  await loop.comment("wes", "/devops deploy");
  const reply = loop.lastReply();
  const fenceMatch = /^(`{3,})text\n([\s\S]*?)\n\1$/m.exec(reply);
  assert.ok(fenceMatch, reply);
  assert.ok(fenceMatch[1] && fenceMatch[1].length > 3, "the fence is longer than the backticks inside");
  assert.match(fenceMatch[2] ?? "", /@maya <img/);
  const outside = reply.replace(fenceMatch[0], "");
  assert.doesNotMatch(outside, /@maya|<img/);
});

test("[comments:untrusted-text-fenced] refuses to echo a malformed command's text or ping anyone", async (t) => {
  const loop = await startAppLoop(t);
  const before = loop.snapshot();
  await loop.comment("wes", "/approve @maya <b>now</b>");
  const reply = loop.lastReply();
  assert.match(reply, /^That is not a devops-agent command/);
  assert.doesNotMatch(reply, /@maya|<b>/);
  await loop.comment("wes", "/devops <script>");
  assert.doesNotMatch(loop.lastReply(), /<script>/);
  assertNoEffect(loop, before);
});
