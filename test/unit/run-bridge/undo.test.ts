// Undo records as the App keeps them: next to the plan in the check run's text (the plan still reads back the
// same), merged across re-run attempts of the approved run, and turned into a rollback plan's steps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHECK_TEXT_LIMIT, parsePlanText, planText } from "../../../src/app/plan-store.ts";
import { mergeUndo } from "../../../src/app/run-bridge/undo.ts";
import type { UndoRecordBody } from "../../../src/bridge/protocol.ts";
import { progressRequestSchema } from "../../../src/bridge/protocol.ts";
import { pin } from "../../../src/plan/hash.ts";
import { buildRollbackPlan } from "../../../src/plan/rollback.ts";
import type { Plan } from "../../../src/plan/types.ts";

const PLAN: Plan = {
  version: 1,
  repository: "acme/hello-service",
  pullNumber: 7,
  environment: "production",
  headSha: "a".repeat(40),
  configSha: "b".repeat(40),
  image: { repository: "ghcr.io/acme/hello-service", tag: "sha-a", digest: `sha256:${"c".repeat(64)}` },
  steps: [
    {
      id: "dokploy.project.ensure:hello-service",
      provider: "dokploy",
      action: "project.ensure",
      target: "hello-service",
      risk: "create",
      desired: { name: "hello-service ``` \n```undo" },
      undo: { action: "project.delete", state: { name: "hello-service" } },
    },
  ],
};

const record = (over: Partial<UndoRecordBody> = {}): UndoRecordBody => ({
  stepId: "dokploy.project.ensure:hello-service",
  provider: "dokploy",
  action: "project.delete",
  target: "hello-service",
  state: { name: "hello-service" },
  ...over,
});

test("the plan text with undo records reads back both, fences and all; without them it is the plan alone", () => {
  const pinned = pin(PLAN);
  const undo = [record({ state: { note: "```json\n```" } }), record()];
  const text = planText(pinned, undo);
  const blocks = parsePlanText(text);
  assert.ok(blocks);
  assert.deepEqual(JSON.parse(blocks.json), pinned);
  assert.deepEqual(JSON.parse(blocks.undoJson ?? "null"), undo);
  const plain = parsePlanText(planText(pinned));
  assert.deepEqual(JSON.parse(plain?.json ?? "null"), pinned);
  assert.equal(plain?.undoJson, undefined);
  assert.equal(planText(pinned, []), planText(pinned), "no records, no second block");
  assert.equal(parsePlanText(`${text}\ntrailing`), undefined, "anything after the blocks is refused");
});

test("plan and undo records that only fit compact are stored compact, and too many fail loudly", () => {
  const pinned = pin(PLAN);
  const many = Array.from({ length: 300 }, (_, i) =>
    record({ state: { name: `p-${i}`, pad: "x".repeat(40) } }),
  );
  const text = planText(pinned, many);
  assert.ok(text.length <= CHECK_TEXT_LIMIT);
  assert.ok(JSON.stringify(many, null, 2).length > CHECK_TEXT_LIMIT, "pretty would not fit");
  assert.deepEqual(JSON.parse(parsePlanText(text)?.undoJson ?? "null"), many);
  const huge = Array.from({ length: 2000 }, (_, i) =>
    record({ state: { name: `p-${i}`, pad: "x".repeat(40) } }),
  );
  assert.throws(() => planText(pinned, huge), /plan and its undo records are too large/);
});

test("the bridge takes undo records only with the final call, bounded", () => {
  const base = { pr: 7, planHash: "d".repeat(64), steps: {} };
  assert.ok(progressRequestSchema.safeParse({ ...base, status: "failed", undo: [record()] }).success);
  assert.ok(
    progressRequestSchema.safeParse({ ...base, status: "done", undo: [record({ state: null })] }).success,
  );
  assert.ok(!progressRequestSchema.safeParse({ ...base, status: "applying", undo: [record()] }).success);
  const { state: _, ...stateless } = record();
  assert.ok(!progressRequestSchema.safeParse({ ...base, status: "done", undo: [stateless] }).success);
  assert.ok(
    !progressRequestSchema.safeParse({ ...base, status: "done", undo: [{ ...record(), extra: 1 }] }).success,
  );
  const many = Array.from({ length: 101 }, () => record());
  assert.ok(!progressRequestSchema.safeParse({ ...base, status: "done", undo: many }).success);
  const big = [record({ state: { pad: "x".repeat(40_000) } })];
  assert.ok(!progressRequestSchema.safeParse({ ...base, status: "done", undo: big }).success);
});

test("a re-run attempt's records go first and a repeated call adds nothing twice", () => {
  const a = record({ state: { name: "a" } });
  const b = record({ state: { name: "b" } });
  const c = record({ state: { name: "c" } });
  assert.deepEqual(mergeUndo([c], [b, a]), [c, b, a]);
  assert.deepEqual(mergeUndo([b, a], [b, a]), [b, a]);
  assert.deepEqual(mergeUndo([], [b, a]), [b, a]);
});

test("a rollback plan takes the records in order; one resource changed twice ends as it was before both", () => {
  const image = (digest: string): UndoRecordBody =>
    record({
      stepId: "dokploy.docker-provider.set:hello-service",
      action: "docker-provider.set",
      state: { image: digest },
    });
  const plan = buildRollbackPlan({
    applied: PLAN,
    appliedHash: "e".repeat(64),
    undo: [image("sha256:second"), record(), image("sha256:first")],
  });
  assert.equal(plan.rollbackOf, "e".repeat(64));
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.risk, s.desired, s.undo]),
    [
      ["dokploy.project.delete:hello-service", "delete", null, null],
      ["dokploy.docker-provider.set:hello-service", "update", { image: "sha256:first" }, null],
    ],
  );
  assert.deepEqual(
    { ...plan, steps: [], rollbackOf: undefined },
    { ...PLAN, steps: [], rollbackOf: undefined },
  );
});

test("a rollback plan leaves out what cannot or need not be taken back: the deploy, and settings of an app it deletes", () => {
  const on = (app: string, action: string, state: unknown = { image: null }) =>
    record({ stepId: `dokploy.${action}:${app}`, action, target: app, state });
  const plan = buildRollbackPlan({
    applied: PLAN,
    appliedHash: "e".repeat(64),
    undo: [
      on("hello-service", "application.deploy"),
      on("other-app", "docker-provider.set", { image: "ghcr.io/acme/other@sha256:old" }),
      on("hello-service", "environment.set", null),
      on("hello-service", "docker-provider.set", null),
      on("hello-service", "application.delete", { project: "hello-service", name: "hello-service" }),
    ],
  });
  assert.deepEqual(
    plan.steps.map((s) => s.id),
    ["dokploy.docker-provider.set:other-app", "dokploy.application.delete:hello-service"],
  );
});
