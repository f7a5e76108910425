// The "what will point where" diagram of a plan, as a mermaid flowchart: host → DNS record → server →
// Dokploy application → image by digest. Labels come from config (PR content), so every label is quoted and
// every character outside a small safe set is written as a mermaid entity (`#35;`): no quote, bracket, arrow,
// backtick, `%%` directive or HTML can leave its label. Node ids are ours, never from input.
import { fence } from "../app/markdown.ts";
import type { Plan, Step } from "./types.ts";

/** A label safe inside `["…"]`: letters, digits, space and `. : / _ -` as they are; everything else as `#<code>;`. */
export function mermaidLabel(text: string): string {
  let out = "";
  for (const char of text.replace(/\s+/g, " ")) {
    out += /^[A-Za-z0-9 .:/_-]$/.test(char) ? char : `#${char.codePointAt(0)};`;
  }
  return `"${out}"`;
}

interface Node {
  id: string;
  label: string;
}

/** The flowchart source (no fence). */
export function planFlowchart(plan: Plan): string {
  const domain = desiredOf(plan.steps, "dokploy", "domain.ensure");
  const record = desiredOf(plan.steps, "cloudflare", "dns-record.ensure");
  const application = desiredOf(plan.steps, "dokploy", "application.ensure");
  const appName = text(application?.name) ?? "application";
  const project = text(application?.project);
  const port = domain?.port;
  const nodes: Node[] = [];
  const edges: string[] = [];
  const add = (id: string, label: string) => nodes.push({ id, label });
  const link = (from: string, to: string, label?: string) =>
    edges.push(label ? `  ${from} -->|${mermaidLabel(label)}| ${to}` : `  ${from} --> ${to}`);

  const host = text(domain?.host) ?? text(record?.name);
  if (host) add("host", `${domain?.https === true ? "https://" : ""}${host}`);
  if (record) {
    const proxied = record.proxied === true ? " proxied" : "";
    add("record", `Cloudflare ${text(record.type) ?? ""} ${text(record.name) ?? ""}${proxied}`);
    add("server", `server ${text(record.content) ?? ""}`);
    link("host", "record", "DNS");
    link("record", "server", proxied ? "via Cloudflare" : "resolves to");
  } else if (host) {
    add("server", "Dokploy server");
    link("host", "server", "DNS not managed here");
  }
  add("app", `Dokploy ${project ? `${project} / ` : ""}${appName}`);
  if (nodes.some((n) => n.id === "server")) {
    link("server", "app", typeof port === "number" ? `port ${port}` : "routes to");
  }
  add("image", `${plan.image.repository}@${shortDigest(plan.image.digest)}`);
  link("app", "image", "runs");

  return ["flowchart LR", ...nodes.map((n) => `  ${n.id}[${mermaidLabel(n.label)}]`), ...edges].join("\n");
}

/** The flowchart as a fenced ```mermaid block, which GitHub renders as a diagram. */
export function planDiagram(plan: Plan): string {
  return fence(planFlowchart(plan), "mermaid");
}

/** `sha256:` and the first 12 hex characters: enough to tell images apart at a glance. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

function desiredOf(steps: Step[], provider: string, action: string): Record<string, unknown> | undefined {
  const desired = steps.find((s) => s.provider === provider && s.action === action)?.desired;
  return desired && typeof desired === "object" ? (desired as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}
