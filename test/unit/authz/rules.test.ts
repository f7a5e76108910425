// The pure authorization decisions, fact by fact (the end-to-end tests prove the same rules against the twin).
import assert from "node:assert/strict";
import { test } from "node:test";
import { accessFrom } from "../../../src/app/authz/permission.ts";
import { DEFAULT_POLICY } from "../../../src/app/authz/policy.ts";
import {
  type ApproverFacts,
  approverRefusal,
  botIgnored,
  cancelRefusal,
  operatorRefusal,
} from "../../../src/app/authz/rules.ts";

const facts = (over: Partial<ApproverFacts> = {}): ApproverFacts => ({
  login: "maya",
  access: "maintain",
  repository: { ownerLogin: "acme", ownerType: "Organization" },
  policy: DEFAULT_POLICY,
  requester: "wes",
  prAuthor: "wes",
  pushers: ["wes"],
  defaultBranch: "main",
  ...over,
});

test("[authz:permission-from-collaborator-api] allows by user.permissions booleans only", () => {
  assert.equal(
    accessFrom({ admin: false, maintain: true, push: true, triage: true, pull: true }),
    "maintain",
  );
  assert.equal(accessFrom({ push: true, pull: true }), "push");
});

test("[authz:permission-from-collaborator-api] refuses anything the booleans do not grant (missing = none)", () => {
  assert.equal(accessFrom(undefined), "none");
  assert.equal(accessFrom({}), "none");
  // role_name and the legacy `permission` are not booleans: ignored even when they say admin.
  assert.equal(
    accessFrom({ role_name: "admin", permission: "admin" } as unknown as Record<string, boolean>),
    "none",
  );
  assert.equal(accessFrom({ push: "true" } as unknown as Record<string, boolean>), "none");
});

test("[authz:approve-needs-maintain] allows maintain and admin, refuses push", () => {
  assert.equal(approverRefusal(facts()), undefined);
  assert.equal(approverRefusal(facts({ access: "admin" })), undefined);
  assert.equal(approverRefusal(facts({ access: "push" }))?.id, "authz:approve-needs-maintain");
});

test("[authz:approver-not-requester] refuses the requester unless soloMaintainer; case does not hide it", () => {
  assert.equal(approverRefusal(facts({ requester: "MAYA" }))?.id, "authz:approver-not-requester");
  assert.equal(
    approverRefusal(facts({ requester: "maya", policy: { ...DEFAULT_POLICY, soloMaintainer: true } })),
    undefined,
  );
});

test("[authz:approver-not-author] refuses the author even in solo mode", () => {
  const solo = { ...DEFAULT_POLICY, soloMaintainer: true };
  assert.equal(approverRefusal(facts({ prAuthor: "Maya", policy: solo }))?.id, "authz:approver-not-author");
});

test("[authz:approver-not-pusher] refuses an author or committer of any commit", () => {
  assert.equal(approverRefusal(facts({ pushers: ["wes", "maya"] }))?.id, "authz:approver-not-pusher");
});

test("[authz:personal-repo-owner-approves] allows only the owner of a personal repository", () => {
  const personal = { ownerLogin: "acme", ownerType: "User" };
  assert.equal(approverRefusal(facts({ repository: personal }))?.id, "authz:personal-repo-owner-approves");
  assert.equal(approverRefusal(facts({ repository: personal, login: "acme", access: "admin" })), undefined);
});

test("[authz:policy-from-default-branch] refuses a maintainer outside the policy's approvers", () => {
  const policy = { ...DEFAULT_POLICY, approvers: ["mo"] };
  assert.equal(approverRefusal(facts({ policy }))?.id, "authz:policy-from-default-branch");
  assert.equal(approverRefusal(facts({ policy, login: "MO" })), undefined);
});

test("[authz:deploy-needs-push] allows push and above, refuses triage", () => {
  assert.equal(operatorRefusal({ login: "wes", access: "push", command: "/devops deploy" }), undefined);
  assert.equal(
    operatorRefusal({ login: "tara", access: "triage", command: "/devops deploy" })?.id,
    "authz:deploy-needs-push",
  );
});

test("[authz:cancel-requester-or-maintainer] allows the requester and maintainers, refuses other writers", () => {
  assert.equal(cancelRefusal({ login: "wes", access: "push", requester: "wes" }), undefined);
  assert.equal(cancelRefusal({ login: "maya", access: "maintain", requester: "wes" }), undefined);
  assert.equal(
    cancelRefusal({ login: "will", access: "push", requester: "wes" })?.id,
    "authz:cancel-requester-or-maintainer",
  );
  // An unknown requester (edited request comment) matches nobody.
  assert.equal(
    cancelRefusal({ login: "will", access: "push", requester: "" })?.id,
    "authz:cancel-requester-or-maintainer",
  );
});

test("[authz:bots-ignored] refuses bots and our own App; allows a bot policy names", () => {
  const policy = { ...DEFAULT_POLICY, bots: ["helper[bot]"] };
  assert.equal(
    botIgnored({ user: { login: "renovate[bot]", type: "Bot" }, policy, appSlug: "devops-agent" }),
    true,
  );
  assert.equal(botIgnored({ user: { login: "sneaky", type: "Bot" }, policy, appSlug: "devops-agent" }), true);
  assert.equal(
    botIgnored({
      user: { login: "devops-agent[bot]", type: "Bot" },
      policy: { ...policy, bots: ["devops-agent[bot]"] },
      appSlug: "devops-agent",
    }),
    true,
  );
  assert.equal(
    botIgnored({ user: { login: "Helper[bot]", type: "Bot" }, policy, appSlug: "devops-agent" }),
    false,
  );
  assert.equal(botIgnored({ user: { login: "wes", type: "User" }, policy, appSlug: "devops-agent" }), false);
});
