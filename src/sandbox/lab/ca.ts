// A sandbox certificate authority, so TLS verification in the lab is a real chain-and-host-name check rather than
// `rejectUnauthorized: false`. It is never trusted system-wide: consumers pass `certPem` as their trust store.
import { randomBytes, webcrypto } from "node:crypto";
// @peculiar/x509 builds on tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ecdsa = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Hex, as `X509Certificate.serialNumber` and node's `getPeerCertificate().serialNumber` report it. */
  serial: string;
}

export interface SandboxCa {
  certPem: string;
  /** The CA's subject, e.g. `CN=devops-agent sandbox CA`: what a verified leaf names as its issuer. */
  name: string;
  issue(hosts: string[]): Promise<IssuedCertificate>;
}

export interface SandboxCaOptions {
  name?: string;
  /** Leaf lifetime in days; 90 like Let's Encrypt, so expiry in evidence looks like the real thing. */
  validityDays?: number;
  now?: () => Date;
}

export async function createSandboxCa(options: SandboxCaOptions = {}): Promise<SandboxCa> {
  const name = `CN=${options.name ?? "devops-agent sandbox CA"}, O=devops-agent sandbox`;
  const now = options.now ?? (() => new Date());
  const validityDays = options.validityDays ?? 90;
  const caKeys = (await webcrypto.subtle.generateKey(ecdsa, true, ["sign", "verify"])) as KeyPair;
  const start = now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(start.getTime() - DAY_MS),
    notAfter: new Date(start.getTime() + 5 * 365 * DAY_MS),
    signingAlgorithm: ecdsa,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey);

  return {
    certPem: caCert.toString("pem"),
    name,
    async issue(hosts) {
      if (hosts.length === 0) throw new Error("createSandboxCa.issue: name at least one host");
      const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ["sign", "verify"])) as KeyPair;
      const issuedAt = now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${hosts[0]}`,
        issuer: caCert.subject,
        notBefore: new Date(issuedAt.getTime() - 60_000),
        notAfter: new Date(issuedAt.getTime() + validityDays * DAY_MS),
        signingAlgorithm: ecdsa,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: "dns" as const, value }))),
          authorityKeyId,
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
      return {
        certPem: cert.toString("pem"),
        keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
        serial: cert.serialNumber.toUpperCase(),
      };
    },
  };
}

/** 16 random bytes with the top bit clear, so the DER integer stays positive and node reports it unpadded. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString("hex");
}
