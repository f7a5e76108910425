import assert from "node:assert/strict";
import { test } from "node:test";
import { fingerprint, sealSecret } from "../../../src/providers/github/seal.ts";
import { newSecretBox, openSealed } from "../../../src/sandbox/github/secret-box.ts";

test("github seal: a sealed box for the key in standard base64 that only the key's holder opens", () => {
  const box = newSecretBox();
  const sealed = sealSecret("dkp_token-ü", box.publicKey);
  assert.match(sealed, /^[A-Za-z0-9+/]+={0,2}$/);
  // 32-byte ephemeral key + 16-byte MAC + the message.
  assert.equal(Buffer.from(sealed, "base64").length, 48 + Buffer.byteLength("dkp_token-ü"));
  assert.equal(openSealed(box, sealed), "dkp_token-ü");
  assert.equal(openSealed(newSecretBox(), sealed), undefined);
  assert.notEqual(sealSecret("dkp_token-ü", box.publicKey), sealed, "a fresh ephemeral key each time");
});

test("github seal: the fingerprint is sha256: and 16 hex, stable, and differs between values", () => {
  assert.equal(fingerprint("abc"), "sha256:ba7816bf8f01cfea");
  assert.notEqual(fingerprint("abd"), fingerprint("abc"));
});
