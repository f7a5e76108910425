import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommand } from "../../../src/app/commands/parse.ts";

const command = (body: string) => {
  const result = parseCommand(body);
  return result.kind === "command" ? result.command : result.kind;
};

test("commands alone on the first non-blank line", () => {
  assert.deepEqual(command("/devops help"), { name: "help" });
  assert.deepEqual(command("\n\n  /devops deploy  \r\nplease"), { name: "deploy" });
  assert.deepEqual(command("/devops deploy staging-2"), { name: "deploy", environment: "staging-2" });
  assert.deepEqual(command("/devops\tplan"), { name: "plan" });
  for (const name of ["init", "status", "logs", "fix", "rollback"])
    assert.deepEqual(command(`/devops ${name}`), { name });
  assert.deepEqual(command("/approve"), { name: "approve" });
  assert.deepEqual(command("/approve ABCDEF0123"), { name: "approve", hashPrefix: "abcdef0123" });
  assert.deepEqual(command(`/approve ${"a".repeat(64)}`), { name: "approve", hashPrefix: "a".repeat(64) });
  assert.deepEqual(command("/cancel\nchanged my mind"), { name: "cancel" });
});

test("text that mentions a command is not one: sentences, quotes, code, later lines, look-alikes", () => {
  for (const body of [
    "",
    "   \n\t\n",
    "please /devops deploy",
    "> /devops deploy",
    ">/approve",
    "`/devops deploy`",
    "```\n/devops deploy\n```",
    "~~~\n/approve\n~~~",
    "    /devops deploy",
    "\t/approve",
    "lgtm\n/approve",
    "/devopsdeploy",
    "/devops-deploy",
    "/DEVOPS deploy",
    "/Approve",
    "/approved",
    "\u200b/approve",
    "/devops\u00a0deploy",
    "\u00a0/approve",
    "/approve\u200b",
    "<!-- -->/approve",
    "@devops-agent /approve",
    "**/approve**",
  ]) {
    assert.equal(command(body), "none", JSON.stringify(body));
  }
});

test("malformed commands get usage, never a guess", () => {
  for (const body of [
    "/devops",
    "/devops destroy",
    "/devops deploy Production",
    "/devops deploy prod extra",
    "/devops deploy ../main",
    "/devops deploy $(rm -rf)",
    "/devops help me",
    "/approve 123456",
    `/approve ${"a".repeat(65)}`,
    "/approve abcdefg",
    "/approve abc1234 abc1234",
    "/approve @maya",
    "/cancel now",
  ]) {
    assert.equal(command(body), "usage", JSON.stringify(body));
  }
});

test("/devops triage takes nothing or one http(s) run URL", () => {
  assert.deepEqual(parseCommand("/devops triage"), { kind: "command", command: { name: "triage" } });
  assert.deepEqual(parseCommand("/devops triage https://github.com/acme/svc/actions/runs/42"), {
    kind: "command",
    command: { name: "triage", runUrl: "https://github.com/acme/svc/actions/runs/42" },
  });
  assert.equal(parseCommand("/devops triage javascript:alert(1)").kind, "usage");
  assert.equal(parseCommand("/devops triage https://a https://b").kind, "usage");
});
