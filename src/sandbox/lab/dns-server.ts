// An authoritative DNS responder over real UDP and TCP on one port number, so verification in the lab resolves
// names the way a resolver does in production (node's Resolver over UDP, TCP on truncation or by choice).
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import * as dnsPacket from "dns-packet";
import type { DnsAnswerSource, DnsZoneData, DnsZoneRecord } from "./dns-zones.ts";

export interface DnsServerOptions {
  /** Read on every query, so the answers follow the world as it changes. */
  zones: () => DnsAnswerSource;
  /** 0 (default): any free port, the same number for UDP and TCP. */
  port?: number;
}

export interface DnsServer {
  port: number;
  address: "127.0.0.1";
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;
const UDP_LIMIT = 512;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const answer = (query: Buffer): Buffer | undefined => {
    let packet: dnsPacket.DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return undefined; // not DNS: a real server drops it too
    }
    return dnsPacket.encode(respond(packet, options.zones()));
  };
  // Port 0 picks the UDP port first; the TCP listener must get the same number, so retry if it is taken.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(options.port ?? 0, answer);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(port, answer);
      const sockets = new Set<Socket>();
      tcp.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      return {
        port,
        address: "127.0.0.1",
        close: async () => {
          for (const socket of sockets) socket.destroy();
          await Promise.all([
            new Promise<void>((resolve) => udp.close(() => resolve())),
            new Promise<void>((resolve) => tcp.close(() => resolve())),
          ]);
        },
      };
    } catch (error) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (options.port || attempt >= 10) throw error;
    }
  }
}

function bindUdp(port: number, answer: (query: Buffer) => Buffer | undefined): Promise<UdpSocket> {
  const udp = createSocket("udp4");
  udp.on("message", (message, remote) => {
    let reply = answer(message);
    if (!reply) return;
    if (reply.length > UDP_LIMIT) reply = truncated(reply);
    udp.send(reply, remote.port, remote.address);
  });
  return new Promise((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(port, "127.0.0.1", () => resolve(udp));
  });
}

function listenTcp(port: number, answer: (query: Buffer) => Buffer | undefined): Promise<Server> {
  const tcp = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      // TCP DNS frames each message with a two-byte length (RFC 1035 4.2.2).
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        const reply = answer(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
        if (!reply) {
          socket.destroy();
          return;
        }
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    });
  });
  return new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, "127.0.0.1", () => resolve(tcp));
  });
}

/** A reply too big for UDP: header and question only, TC set, so the client retries over TCP. */
function truncated(reply: Buffer): Buffer {
  const packet = dnsPacket.decode(reply);
  return dnsPacket.encode({
    type: "response",
    id: packet.id,
    flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    questions: packet.questions,
    answers: [],
  });
}

export function respond(query: dnsPacket.DecodedPacket, zones: DnsAnswerSource): dnsPacket.Packet {
  const question = query.questions?.[0];
  const reply = (rcode: number, sections: Partial<dnsPacket.Packet> = {}): dnsPacket.Packet => ({
    type: "response",
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
    questions: query.questions,
    ...sections,
  });
  if (!question) return reply(RCODE.REFUSED, { flags: RCODE.REFUSED });
  const name = normalize(question.name);
  const zone = zoneOf(name, zones);
  if (!zone) return reply(RCODE.REFUSED, { flags: RCODE.REFUSED });

  const answers: dnsPacket.Answer[] = [];
  let current = name;
  let currentZone: DnsZoneData | undefined = zone;
  // Follow a CNAME chain while it stays inside zones we serve, as an authoritative server does.
  for (let hops = 0; currentZone && hops < 8; hops++) {
    const at = recordsAt(current, currentZone);
    const cname = at.find((r) => r.type === "CNAME");
    if (cname && question.type !== "CNAME") {
      answers.push(toAnswer(cname));
      current = normalize(cname.content);
      currentZone = zoneOf(current, zones);
      continue;
    }
    answers.push(...at.filter((r) => r.type === question.type).map(toAnswer));
    if (current === currentZone.name) answers.push(...apexAnswers(currentZone, question.type));
    if (answers.length === 0 && at.length === 0 && current !== currentZone.name) {
      return reply(RCODE.NXDOMAIN, { authorities: [soa(currentZone)] });
    }
    break;
  }
  return reply(RCODE.NOERROR, answers.length ? { answers } : { authorities: [soa(zone)] });
}

function apexAnswers(zone: DnsZoneData, type: string): dnsPacket.Answer[] {
  if (type === "SOA") return [soa(zone)];
  if (type === "NS")
    return zone.nameServers.map((data) => ({ type: "NS", name: zone.name, ttl: 86400, data }));
  return [];
}

function soa(zone: DnsZoneData): dnsPacket.Answer {
  return {
    type: "SOA",
    name: zone.name,
    ttl: 3600,
    data: {
      mname: zone.nameServers[0] ?? `ns.${zone.name}`,
      rname: `dns.${zone.name}`,
      serial: 1,
      refresh: 10000,
      retry: 2400,
      expire: 604800,
      minimum: 1800,
    },
  };
}

function toAnswer(record: DnsZoneRecord): dnsPacket.Answer {
  const type = record.type as "A" | "AAAA" | "CNAME" | "TXT";
  if (type === "TXT") return { type, name: record.name, ttl: record.ttl, data: record.content };
  return { type, name: record.name, ttl: record.ttl, data: normalize(record.content) };
}

function recordsAt(name: string, zone: DnsZoneData): DnsZoneRecord[] {
  return zone.records.filter((r) => normalize(r.name) === name);
}

/** The most specific zone we serve that contains the name. */
function zoneOf(name: string, zones: DnsAnswerSource): DnsZoneData | undefined {
  return zones
    .filter((z) => name === normalize(z.name) || name.endsWith(`.${normalize(z.name)}`))
    .sort((a, b) => b.name.length - a.name.length)[0];
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}
