// How GitHub wants a secret value (PROVIDERS.md §3 "Encryption, exactly"): a libsodium sealed box for the
// holder's Curve25519 public key, standard base64 with padding in and out. And the fingerprint that stands in
// for a value everywhere a value must not appear.
import { createHash } from "node:crypto";
import sodium from "libsodium-wrappers";

await sodium.ready;

/** Seals `value` for a GitHub public key (`key` of get-*-public-key); the result is `encrypted_value`. */
export function sealSecret(value: string, publicKeyBase64: string): string {
  const sealed = sodium.crypto_box_seal(
    sodium.from_string(value),
    sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL),
  );
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

/** `sha256:` + the first 16 hex of sha256(value): tells values apart, reveals nothing of a random token. */
export function fingerprint(value: string): string {
  return `sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)}`;
}
