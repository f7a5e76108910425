// The pure half of the Dokploy provider: env text written and read back, and the allow-listed view of it that
// is all a plan or a report ever sees of an application's environment.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import type { Step } from "../../../src/plan/types.ts";
import {
  domainDesired,
  envState,
  envText,
  fingerprint,
  parseEnv,
} from "../../../src/providers/dokploy/steps.ts";
import { ProviderError } from "../../../src/providers/types.ts";

test("a fingerprint is sha256: and the first 16 hex digits of the value's sha256", () => {
  const hex = createHash("sha256").update("s3cret").digest("hex");
  assert.equal(fingerprint("s3cret"), `sha256:${hex.slice(0, 16)}`);
});

test("env text round-trips, splitting on the first = only and skipping comments and blank lines", () => {
  const text = envText([
    ["DATABASE_URL", "postgres://u:p=w@db/app?x=1"],
    ["EMPTY", ""],
  ]);
  assert.equal(text, "DATABASE_URL=postgres://u:p=w@db/app?x=1\nEMPTY=");
  assert.deepEqual(
    [...parseEnv(`# a comment\n\n${text}\r\nBROKEN LINE`)],
    [
      ["DATABASE_URL", "postgres://u:p=w@db/app?x=1"],
      ["EMPTY", ""],
    ],
  );
});

test("envState shows plan values in clear, anything else only as a fingerprint, and secrets by name when they match", () => {
  const live = "NODE_ENV=production\nLOG_LEVEL=debug\nOLD_TOKEN=tok_leftover_value\nSESSION_KEY=sk-live";
  const state = envState({
    application: "web",
    text: live,
    desired: {
      application: "web",
      variables: { NODE_ENV: "production", LOG_LEVEL: "info" },
      secrets: ["SESSION_KEY"],
    },
    secret: (name) => (name === "SESSION_KEY" ? "sk-live" : undefined),
  });
  assert.deepEqual(state, {
    application: "web",
    variables: {
      NODE_ENV: "production",
      LOG_LEVEL: fingerprint("debug"),
      OLD_TOKEN: fingerprint("tok_leftover_value"),
    },
    secrets: ["SESSION_KEY"],
  });
  assert.ok(!JSON.stringify(state).includes("tok_leftover_value"));
  assert.ok(!JSON.stringify(state).includes("sk-live"));
});

test("a domain step is normalised (host lower-case, no trailing dot) and a bad port is refused as bad-step", () => {
  const step = (desired: unknown): Step => ({
    id: "dokploy.domain.ensure:x",
    provider: "dokploy",
    action: "domain.ensure",
    target: "x",
    risk: "create",
    desired,
    undo: null,
  });
  assert.deepEqual(
    domainDesired(step({ application: "web", host: "App.Example.com.", port: 3000, https: true })),
    {
      application: "web",
      host: "app.example.com",
      port: 3000,
      path: "/",
      https: true,
      certificate: "letsencrypt",
    },
  );
  assert.throws(
    () => domainDesired(step({ application: "web", host: "a.example.com", port: 70000 })),
    (e) => e instanceof ProviderError && e.reason === "bad-step",
  );
});
