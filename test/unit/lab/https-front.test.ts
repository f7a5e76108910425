import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";
import { createSandboxCa } from "../../../src/sandbox/lab/ca.ts";
import { startHttpsFront } from "../../../src/sandbox/lab/https-front.ts";

interface Handshake {
  authorized: boolean;
  authorizationError?: string;
  cert: PeerCertificate;
}

function handshake(options: { port: number; servername: string; ca?: string[] }): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port: options.port,
      servername: options.servername,
      ca: options.ca,
      // Verification outcome is read from the socket, so the test sees why a handshake was not trusted.
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      const result: Handshake = { authorized: socket.authorized, cert: socket.getPeerCertificate() };
      if (socket.authorizationError) result.authorizationError = String(socket.authorizationError);
      socket.end();
      resolve(result);
    });
    socket.once("error", reject);
  });
}

async function frontWithApp(t: import("node:test").TestContext) {
  const app = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`app saw host ${req.headers.host} path ${req.url}`);
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => app.close(() => resolve())));
  const appPort = (app.address() as AddressInfo).port;
  const ca = await createSandboxCa();
  const front = await startHttpsFront({
    ca,
    route: (host) => (host === "app.example.com" ? { port: appPort } : undefined),
  });
  t.after(() => front.close());
  return { ca, front };
}

test("a TLS client trusting only the sandbox CA validates app.example.com's chain and host name", async (t) => {
  const { ca, front } = await frontWithApp(t);
  const result = await handshake({ port: front.httpsPort, servername: "app.example.com", ca: [ca.certPem] });
  assert.equal(result.authorizationError, undefined);
  assert.equal(result.authorized, true);
  assert.equal(result.cert.subjectaltname, "DNS:app.example.com");
  assert.equal(result.cert.issuer.CN, "devops-agent sandbox CA");
  const days = (Date.parse(result.cert.valid_to) - Date.now()) / 86_400_000;
  assert.ok(days > 85 && days <= 90, `a 90-day certificate, got ${days} days`);
});

test("the same client without the sandbox CA refuses the chain", async (t) => {
  const { front } = await frontWithApp(t);
  const result = await handshake({ port: front.httpsPort, servername: "app.example.com" });
  assert.equal(result.authorized, false);
  assert.match(result.authorizationError ?? "", /UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
});

test("a certificate presented for another host fails host name verification", async (t) => {
  const { ca, front } = await frontWithApp(t);
  const socket = connect({
    host: "127.0.0.1",
    port: front.httpsPort,
    servername: "app.example.com",
    ca: [ca.certPem],
    // The chain is valid; only the name the client expects differs from the certificate's SAN.
    checkServerIdentity: (_host, cert) => checkServerIdentity("www.example.com", cert),
  });
  const error = await new Promise<Error>((resolve) => socket.once("error", resolve));
  socket.destroy();
  assert.equal((error as NodeJS.ErrnoException).code, "ERR_TLS_CERT_ALTNAME_INVALID");
});

test("the front proxies HTTPS and HTTP by host to the app, and answers 404 for an unknown host", async (t) => {
  const { ca, front } = await frontWithApp(t);
  const { request } = await import("node:https");
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: front.httpsPort,
        servername: "app.example.com",
        headers: { host: "app.example.com" },
        path: "/healthz",
        ca: [ca.certPem],
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end();
  });
  assert.deepEqual(body, { status: 200, text: "app saw host app.example.com path /healthz" });

  assert.deepEqual(await plainGet(front.httpPort, "app.example.com"), {
    status: 200,
    text: "app saw host app.example.com path /x",
  });
  const unknown = await plainGet(front.httpPort, "nobody.example.com");
  assert.equal(unknown.status, 404);
  assert.match(unknown.text, /no application is routed for nobody\.example\.com/);
});

function plainGet(port: number, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path: "/x", headers: { host }, agent: false },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
