// A minimal DNS client over TCP or UDP, for proving the lab's responder speaks both transports (node's
// Resolver only uses TCP after a truncated UDP reply).
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import * as dnsPacket from "dns-packet";

export interface DnsQuery {
  server: { address: string; port: number };
  name: string;
  type: "A" | "AAAA" | "CNAME" | "NS" | "SOA" | "TXT";
  transport: "udp" | "tcp";
  timeoutMs?: number;
}

export function queryDns(query: DnsQuery): Promise<dnsPacket.DecodedPacket & { rcode?: string }> {
  const message = dnsPacket.encode({
    type: "query",
    id: Math.floor(Math.random() * 65535),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: query.type, name: query.name }],
  });
  const timeoutMs = query.timeoutMs ?? 2000;
  return query.transport === "udp" ? overUdp(query, message, timeoutMs) : overTcp(query, message, timeoutMs);
}

function overUdp(query: DnsQuery, message: Buffer, timeoutMs: number): ReturnType<typeof queryDns> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(
      () => finish(new Error(`no UDP answer from ${query.server.port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (error: Error | null, reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error || !reply) reject(error);
      else resolve(dnsPacket.decode(reply));
    };
    socket.on("message", (reply) => finish(null, reply));
    socket.on("error", (error) => finish(error));
    socket.send(message, query.server.port, query.server.address);
  });
}

function overTcp(query: DnsQuery, message: Buffer, timeoutMs: number): ReturnType<typeof queryDns> {
  return new Promise((resolve, reject) => {
    const socket = connect(query.server.port, query.server.address);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP answer in ${timeoutMs} ms`)));
    let pending = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("connect", () => {
      const framed = Buffer.alloc(2 + message.length);
      framed.writeUInt16BE(message.length, 0);
      message.copy(framed, 2);
      socket.write(framed);
    });
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 2 || pending.length < 2 + pending.readUInt16BE(0)) return;
      socket.end();
      resolve(dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))));
    });
  });
}
