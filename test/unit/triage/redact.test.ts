import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRedactor, REDACTED, redact, secretVariants } from "../../../src/triage/redact.ts";

describe("redact", () => {
  it("removes secret-shaped strings", () => {
    const samples: [string, string][] = [
      [`token ghp_${"A1b2C3d4E5".repeat(4)} used`, "ghp_"],
      [`ghs_${"z".repeat(36)}`, "ghs_"],
      [`gho_${"9".repeat(36)}`, "gho_"],
      [`github_pat_11ABCDEFG0_${"x".repeat(59)}`, "github_pat_"],
      ["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"],
      ["Authorization: Bearer abcdef0123456789abcdef", "abcdef0123456789"],
      ["curl -H 'Authorization: token 0123456789abcdef'", "0123456789abcdef"],
      ["DB_PASSWORD=hunter22 npm start", "hunter22"],
      ['{"password": "hunter22"}', "hunter22"],
      ["client_secret: s3cr3t-Value", "s3cr3t-Value"],
      ["git clone https://user:p4ssw0rd@example.com/repo.git", "p4ssw0rd"],
      [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJhbGci",
      ],
      [
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXk",
      ],
      ["-----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEA", "MIIEowIBAAKCAQEA"],
    ];
    for (const [text, secret] of samples) {
      const out = redact(text);
      assert.ok(!out.includes(secret), `${text} → ${out}`);
      assert.ok(out.includes(REDACTED), out);
    }
  });

  it("leaves ordinary log lines alone", () => {
    for (const text of [
      "Error: EACCES: permission denied, mkdir '/data'",
      "denied: permission_denied: The token provided does not match expected scopes.",
      "sha256:1b6227fac037ce30c80c3374eee4f6906d6ff9003b9e0206be6ec4c3e5cfda1f",
      "author: Jane Doe",
      "token: ***",
    ]) {
      assert.equal(redact(text), text);
    }
  });

  it("removes known secret values raw, base64 (any alignment), URL-encoded and JSON-escaped", () => {
    const secret = 'p@ss w/rd+"42"';
    const r = createRedactor({ secrets: [secret] });
    const encoded = [
      secret,
      Buffer.from(secret).toString("base64"),
      Buffer.from(`user:${secret}`).toString("base64"),
      Buffer.from(`ab:${secret}`).toString("base64"),
      Buffer.from(`a:${secret}`).toString("base64url"),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ];
    for (const e of encoded) {
      const out = r(`value ${e} end`);
      assert.ok(!out.includes(e), `${e} → ${out}`);
      assert.ok(out.includes(REDACTED));
    }
    const b64 = Buffer.from(`user:${secret}`).toString("base64");
    const out = r(`Authorization basic ${b64}`);
    // The bytes that depend only on the secret are gone.
    const variants = secretVariants(secret);
    assert.ok(
      variants.every((v) => !out.includes(v)),
      out,
    );
  });

  it("removes a known value split across lines, line by line", () => {
    const secret = "0123456789abcdefghijKLMNOPQRSTUVWXYZ";
    const r = createRedactor({ secrets: [secret] });
    assert.equal(r(`key: ${secret.slice(0, 20)}`), `key: ${REDACTED}`);
    assert.equal(r(`${secret.slice(20)} (continued)`), `${REDACTED} (continued)`);
    const multiLine = "line-one-of-secret\nline-two-of-secret";
    const m = createRedactor({ secrets: [multiLine] });
    assert.equal(m("echo line-two-of-secret"), `echo ${REDACTED}`);
  });

  it("ignores known values too short to redact safely", () => {
    assert.equal(redact("a b c", { secrets: ["a", ""] }), "a b c");
  });
});

it("leaves a secret's name after a key word readable, never a value in its place", () => {
  assert.equal(
    redact("stopped at github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN: drift"),
    "stopped at github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN: drift",
  );
  assert.equal(redact("token: GITHUB_TOKEN"), "token: GITHUB_TOKEN");
  assert.equal(redact("token: Ghp_Mixed_Case9"), `token: ${REDACTED}`);
  assert.equal(redact("password=hunter_two_x"), `password=${REDACTED}`);
  assert.equal(redact("api_key=abc123"), `api_key=${REDACTED}`);
});
