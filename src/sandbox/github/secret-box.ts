// Real libsodium sealed boxes, as GitHub uses for Actions secrets: the twin holds each repository's and
// Environment's keypair and opens what clients seal, rejecting what does not open.
import { createHash } from "node:crypto";
import sodium from "libsodium-wrappers";
import type { SecretBox } from "./state.ts";

await sodium.ready;

export function newSecretBox(): SecretBox {
  const pair = sodium.crypto_box_keypair();
  const publicKey = sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL);
  return {
    // GitHub's key ids are opaque decimal strings.
    keyId: BigInt(`0x${createHash("sha256").update(publicKey).digest("hex").slice(0, 15)}`).toString(),
    publicKey,
    privateKey: sodium.to_base64(pair.privateKey, sodium.base64_variants.ORIGINAL),
  };
}

/** Opens a sealed value; undefined when it does not decode or does not open with this box's key. */
export function openSealed(box: SecretBox, encryptedValue: string): string | undefined {
  try {
    const sealed = sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL);
    const opened = sodium.crypto_box_seal_open(
      sealed,
      sodium.from_base64(box.publicKey, sodium.base64_variants.ORIGINAL),
      sodium.from_base64(box.privateKey, sodium.base64_variants.ORIGINAL),
    );
    return sodium.to_string(opened);
  } catch {
    return undefined;
  }
}

/** What a client does: seal a value for a public key (standard base64 in and out). */
export function seal(publicKeyBase64: string, value: string): string {
  const sealed = sodium.crypto_box_seal(
    sodium.from_string(value),
    sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL),
  );
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
