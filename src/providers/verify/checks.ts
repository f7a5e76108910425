// The four verifications, each run for real against the world: DNS answers, a TLS handshake, an HTTP GET and
// the app's log. Each returns what it saw; none reports a pass it did not observe.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { checkServerIdentity, type DetailedPeerCertificate, connect as tlsConnect } from "node:tls";
import { isCloudflareAddress } from "./cloudflare-ips.ts";
import { describeDnsError, type Lookup, withTimeout } from "./resolve.ts";
import type { CheckResult } from "./types.ts";

export interface Outcome {
  result: CheckResult;
  /** LiveState.state: `desired` itself when the check passed (so judge says skip), what was seen otherwise. */
  state: unknown;
}

export interface CheckContext {
  lookup: (name: string) => Promise<Lookup>;
  ca: string[] | undefined;
  ports: { https: number; http: number };
  readLogs: ((application: string) => Promise<string>) | undefined;
  connectTo: (address: string) => string;
  timeout: number;
}

export interface DnsDesired {
  name: string;
  type: string;
  answer: string | { proxiedBy: "cloudflare" };
}

export async function checkDns(desired: DnsDesired, ctx: CheckContext): Promise<Outcome> {
  const { name, type, answer } = desired;
  const fail = (detail: string, evidence: Record<string, unknown>, seen: unknown = null): Outcome => ({
    result: { name: "dns", target: name, ok: false, detail, evidence },
    state: { name, type, answer: seen },
  });
  let lookup: Lookup;
  try {
    lookup = await ctx.lookup(name);
  } catch (error) {
    return fail(`could not find the DNS servers to ask for ${name}: ${(error as Error).message}`, {});
  }
  const at = lookup.servers.join(", ");
  const ask = <T>(what: string, query: () => Promise<T>) =>
    withTimeout(query(), ctx.timeout, `DNS ${what} query for ${name} at ${at}`, () =>
      lookup.resolver.cancel(),
    );

  if (typeof answer === "object") {
    // A proxied name answers with the CDN's edge, never the origin: every address must be Cloudflare's.
    let addresses: string[];
    try {
      const v4 = await ask("A", () => lookup.resolver.resolve4(name)).catch(noData);
      const v6 = await ask("AAAA", () => lookup.resolver.resolve6(name)).catch(noData);
      addresses = [...v4, ...v6];
    } catch (error) {
      return fail(`${name} did not resolve at ${at}: ${describeDnsError(error)}`, {
        servers: lookup.servers,
      });
    }
    const evidence = { servers: lookup.servers, addresses };
    const foreign = addresses.filter((a) => !isCloudflareAddress(a));
    if (addresses.length === 0) return fail(`${name} has no A or AAAA answer at ${at}`, evidence, []);
    if (foreign.length > 0) {
      return fail(
        `${name} resolves to ${addresses.join(", ")} at ${at}; ${foreign.join(", ")} is not in Cloudflare's ` +
          "published ranges, so the record is not proxied: turn the proxy on for it in Cloudflare",
        evidence,
        addresses,
      );
    }
    return {
      result: {
        name: "dns",
        target: name,
        ok: true,
        detail: `${name} resolves to ${addresses.join(", ")} at ${at}, Cloudflare's edge: the record is proxied`,
        evidence,
      },
      state: { name, type, answer, addresses },
    };
  }

  const expected = normalize(answer);
  let seen: string[];
  try {
    seen =
      type === "CNAME"
        ? await ask("CNAME", () => lookup.resolver.resolveCname(name))
        : type === "AAAA"
          ? await ask("AAAA", () => lookup.resolver.resolve6(name))
          : await ask("A", () => lookup.resolver.resolve4(name));
  } catch (error) {
    return fail(`${name} ${type} did not resolve at ${at}: ${describeDnsError(error)}; expected ${answer}`, {
      servers: lookup.servers,
      expected: answer,
    });
  }
  seen = seen.map(normalize);
  const evidence = { servers: lookup.servers, answers: seen, expected: answer };
  if (!seen.includes(expected)) {
    return fail(
      `${name} ${type} resolves to ${seen.join(", ") || "nothing"} at ${at}, not ${answer}: ` +
        `point the record at ${answer}`,
      evidence,
      seen,
    );
  }
  return {
    result: {
      name: "dns",
      target: name,
      ok: true,
      detail: `${name} ${type} resolves to ${seen.join(", ")} at ${at}, as expected`,
      evidence,
    },
    state: { name, type, answer, answers: seen },
  };
}

export interface TlsDesired {
  host: string;
  validFor: string;
}

export async function checkTls(desired: TlsDesired, ctx: CheckContext): Promise<Outcome> {
  const { host, validFor } = desired;
  const fail = (detail: string, evidence: Record<string, unknown>): Outcome => ({
    result: { name: "tls", target: host, ok: false, detail, evidence },
    state: { host, validFor: null, authorizationError: evidence.authorizationError ?? null },
  });
  let address: Resolved;
  try {
    address = await resolveAddress(host, ctx);
  } catch (error) {
    return fail(`could not resolve ${host} to reach it over TLS: ${(error as Error).message}`, {});
  }
  const port = ctx.ports.https;
  let seen: Handshake;
  try {
    seen = await handshake({ host, address: address.connect, port, ca: ctx.ca, timeout: ctx.timeout });
  } catch (error) {
    return fail(`TLS handshake with ${host} at ${where(address, port)} failed: ${(error as Error).message}`, {
      address: address.resolved,
      port,
    });
  }
  const cert = seen.cert;
  // node checked the chain against the trust store and the name against SNI; the plan's `validFor` is checked
  // too, in case it names another host than the one connected to.
  const nameError = seen.authorizationError ? undefined : checkServerIdentity(validFor, cert);
  const authorizationError = seen.authorizationError ?? nameError?.message;
  const evidence: Record<string, unknown> = {
    address: address.resolved,
    port,
    issuer: distinguishedName(cert.issuer),
    subject: distinguishedName(cert.subject),
    serial: cert.serialNumber,
    validFrom: isoDate(cert.valid_from),
    validTo: isoDate(cert.valid_to),
    sans: (cert.subjectaltname ?? "").split(", ").filter(Boolean),
    fingerprint256: cert.fingerprint256,
  };
  const described =
    `certificate serial ${evidence.serial} issued by ${evidence.issuer} for ${(evidence.sans as string[]).join(", ")}, ` +
    `valid ${evidence.validFrom} to ${evidence.validTo}`;
  if (authorizationError) {
    evidence.authorizationError = authorizationError;
    const wrongName = nameError !== undefined || /ALTNAME|does not match/i.test(authorizationError);
    return fail(
      `TLS to ${host} at ${where(address, port)} presented a ${described}, which is not valid for ${validFor}: ` +
        (wrongName
          ? `${authorizationError}; issue a certificate that names ${validFor}`
          : `${authorizationError}: its chain does not lead to a trusted CA; serve the full chain from a ` +
            "trusted CA, or trust this CA through the verify options' ca"),
      evidence,
    );
  }
  return {
    result: {
      name: "tls",
      target: host,
      ok: true,
      detail: `TLS to ${host} at ${where(address, port)}: ${described}; chain and host name verified`,
      evidence,
    },
    state: { host, validFor, issuer: evidence.issuer, serial: evidence.serial, validTo: evidence.validTo },
  };
}

export interface HttpDesired {
  url: string;
  status: number;
}

export async function checkHttp(desired: HttpDesired, ctx: CheckContext): Promise<Outcome> {
  const url = new URL(desired.url);
  const fail = (
    detail: string,
    evidence: Record<string, unknown>,
    status: number | null = null,
  ): Outcome => ({
    result: { name: "http", target: desired.url, ok: false, detail, evidence },
    state: { url: desired.url, status },
  });
  let address: Resolved;
  try {
    address = await resolveAddress(url.hostname, ctx);
  } catch (error) {
    return fail(`could not resolve ${url.hostname} to GET ${desired.url}: ${(error as Error).message}`, {});
  }
  const https = url.protocol === "https:";
  const port = url.port ? Number(url.port) : https ? ctx.ports.https : ctx.ports.http;
  let answer: { status: number; body: string };
  try {
    answer = await get({ url, https, address: address.connect, port, ca: ctx.ca, timeout: ctx.timeout });
  } catch (error) {
    return fail(`GET ${desired.url} at ${where(address, port)} failed: ${(error as Error).message}`, {
      address: address.resolved,
      port,
    });
  }
  const evidence = { address: address.resolved, port, status: answer.status, body: answer.body };
  const ok = answer.status >= 200 && answer.status < 300;
  const sentence = `GET ${desired.url} at ${where(address, port)} answered ${answer.status}: ${JSON.stringify(answer.body)}`;
  if (!ok) return fail(`${sentence}; expected a 2xx`, evidence, answer.status);
  return {
    result: { name: "http", target: desired.url, ok: true, detail: sentence, evidence },
    state: { url: desired.url, status: desired.status, seen: answer.status },
  };
}

export interface LogDesired {
  application: string;
  contains: string;
}

export async function checkLog(desired: LogDesired, ctx: CheckContext): Promise<Outcome> {
  const { application, contains } = desired;
  const fail = (detail: string, evidence: Record<string, unknown>): Outcome => ({
    result: { name: "log", target: application, ok: false, detail, evidence },
    state: { application, contains: null },
  });
  if (!ctx.readLogs) {
    return fail(
      `the log of ${application} could not be read: no log reader is configured (the Dokploy provider)`,
      {},
    );
  }
  let text: string;
  try {
    text = await withTimeout(ctx.readLogs(application), ctx.timeout, `reading the log of ${application}`);
  } catch (error) {
    return fail(`the log of ${application} could not be read: ${(error as Error).message}`, {});
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  // Matched here, not through Dokploy's `search`, which accepts only [a-zA-Z0-9 ._-].
  const index = lines.findIndex((line) => line.includes(contains));
  if (index === -1) {
    const last = lines.at(-1);
    return fail(
      `"${contains}" is not in the ${lines.length} lines of ${application}'s log` +
        (last === undefined ? " (the log is empty)" : `; its last line is ${JSON.stringify(clip(last))}`),
      { lines: lines.length, lastLine: last === undefined ? null : clip(last) },
    );
  }
  const line = clip(lines[index] ?? "");
  return {
    result: {
      name: "log",
      target: application,
      ok: true,
      detail: `${application}'s log has "${contains}" at line ${index + 1}: ${JSON.stringify(line)}`,
      evidence: { line, lineNumber: index + 1 },
    },
    state: { application, contains, line, lineNumber: index + 1 },
  };
}

interface Resolved {
  resolved: string;
  connect: string;
}

async function resolveAddress(host: string, ctx: CheckContext): Promise<Resolved> {
  const lookup = await ctx.lookup(host);
  const at = lookup.servers.join(", ");
  const ask = (family: 4 | 6) =>
    withTimeout(
      family === 4 ? lookup.resolver.resolve4(host) : lookup.resolver.resolve6(host),
      ctx.timeout,
      `DNS query for ${host} at ${at}`,
      () => lookup.resolver.cancel(),
    );
  let addresses: string[];
  try {
    addresses = await ask(4).catch(async (error) => {
      const v6 = await ask(6).catch(() => []);
      if (v6.length === 0) throw error;
      return v6;
    });
  } catch (error) {
    throw new Error(`${host} did not resolve at ${at}: ${describeDnsError(error)}`);
  }
  const resolved = addresses[0];
  if (!resolved) throw new Error(`${host} has no address at ${at}`);
  return { resolved, connect: ctx.connectTo(resolved) };
}

interface Handshake {
  cert: DetailedPeerCertificate;
  authorizationError: string | undefined;
}

function handshake(options: {
  host: string;
  address: string;
  port: number;
  ca: string[] | undefined;
  timeout: number;
}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: options.address,
      port: options.port,
      servername: options.host,
      ...(options.ca ? { ca: options.ca } : {}),
      // Not trusting it: the verdict is read from the socket so the report can say why it is untrusted.
      rejectUnauthorized: false,
    });
    socket.setTimeout(options.timeout, () =>
      socket.destroy(new Error(`no handshake within ${options.timeout} ms`)),
    );
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate(true);
      const error = socket.authorized ? undefined : String(socket.authorizationError ?? "not authorized");
      socket.end();
      if (!cert || Object.keys(cert).length === 0) reject(new Error("the server presented no certificate"));
      else resolve({ cert, authorizationError: error });
    });
    socket.once("error", (error) => reject(new Error(describeSocketError(error))));
  });
}

const BODY_LIMIT = 200;

function get(options: {
  url: URL;
  https: boolean;
  address: string;
  port: number;
  ca: string[] | undefined;
  timeout: number;
}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let body = "";
      const finish = () => {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, body: body.slice(0, BODY_LIMIT) });
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (body.length >= BODY_LIMIT) finish();
      });
      res.on("end", finish);
      res.on("error", finish);
    };
    const common = {
      host: options.address,
      port: options.port,
      method: "GET",
      path: `${options.url.pathname}${options.url.search}`,
      headers: { host: options.url.host, "user-agent": "devops-agent-verify" },
      agent: false,
      timeout: options.timeout,
    } as const;
    const req = options.https
      ? httpsRequest(
          { ...common, servername: options.url.hostname, ...(options.ca ? { ca: options.ca } : {}) },
          onResponse,
        )
      : httpRequest(common, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeout} ms`)));
    req.on("error", (error) => reject(new Error(describeSocketError(error))));
    req.end();
  });
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") return `ECONNREFUSED: nothing accepts connections there`;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

function where(address: Resolved, port: number): string {
  return address.connect === address.resolved
    ? `${address.resolved}:${port}`
    : `${address.resolved}:${port} (reached through ${address.connect})`;
}

function distinguishedName(name: Record<string, string | string[] | undefined> | undefined): string {
  if (!name) return "";
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(", ");
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function noData(error: unknown): string[] {
  if ((error as NodeJS.ErrnoException).code === "ENODATA") return [];
  throw error;
}

function clip(line: string): string {
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
