// A minimal HTTP server shared by every twin: JSON in, JSON out, port chosen by the OS on loopback.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TwinRequest {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  /** Raw body bytes; `json` is set when the body parsed as JSON. */
  raw: Buffer;
  json: unknown;
  jsonError?: string;
}

export interface TwinResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless it is a Buffer or string, which are sent as they are. */
  body?: unknown;
  /**
   * Fault injection: destroy the connection after `afterMs` without sending a byte of the response, as a
   * provider does when it committed a change and the answer was lost, or when it hangs past a timeout.
   */
  drop?: { afterMs: number };
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function listen(
  handle: (req: TwinRequest) => Promise<TwinResponse>,
  options: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const request: TwinRequest = {
      method: (incoming.method ?? "GET").toUpperCase(),
      url: new URL(incoming.url ?? "/", `http://${incoming.headers.host ?? host}`),
      headers: incoming.headers,
      raw,
      json: undefined,
    };
    if (raw.length > 0) {
      try {
        request.json = JSON.parse(raw.toString("utf8"));
      } catch (error) {
        request.jsonError = (error as Error).message;
      }
    }
    let response: TwinResponse;
    try {
      response = await handle(request);
    } catch (error) {
      response = { status: 500, body: { message: `twin bug: ${(error as Error).stack ?? error}` } };
    }
    if (response.drop) {
      const timer = setTimeout(() => incoming.socket.destroy(), response.drop.afterMs);
      timer.unref();
      return;
    }
    const headers: Record<string, string> = { ...response.headers };
    let payload: Buffer | string | undefined;
    if (response.body === undefined) payload = undefined;
    else if (Buffer.isBuffer(response.body) || typeof response.body === "string") payload = response.body;
    else {
      payload = JSON.stringify(response.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    outgoing.writeHead(response.status, headers);
    outgoing.end(payload);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
