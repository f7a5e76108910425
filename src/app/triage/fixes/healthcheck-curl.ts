// Recipe (d): the image's HEALTHCHECK calls curl, which the image does not have, so the check can never pass.
// Rewrite that one HEALTHCHECK to a probe the image does have, keeping its options and URL: Node's own fetch
// on node images, BusyBox wget on Alpine/BusyBox ones; anything else is refused (install curl instead).
// No Dockerfile parser is a dependency here; instructions are read as Docker does for this purpose: logical
// lines joined on trailing backslashes, the instruction keyword first, FROM lines opening stages.
import { inlineCode } from "../../markdown.ts";
import { type FixOutcome, type FixRecipe, refuse, type TreeEntry } from "./types.ts";

const DOCKERFILE = /(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.Dockerfile$/;
const CURL_MISSING = /\bcurl\b.*(?:not found|executable file not found)|exec: \\*"?curl/i;
/** The URL a curl health check calls; quotes and backslashes are left out so the rewrite can quote it safely. */
const URL = /https?:\/\/[^\s"'\\`$]+/;

interface Instruction {
  keyword: string;
  text: string;
  /** 0-based first and last physical line. */
  first: number;
  last: number;
}

function instructions(text: string): Instruction[] {
  const lines = text.split("\n");
  const out: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = i;
    const line = lines[i] ?? "";
    if (/^\s*(?:#|$)/.test(line)) {
      i++;
      continue;
    }
    let joined = line;
    while (/\\\s*$/.test(lines[i] ?? "") && i + 1 < lines.length) {
      joined = `${joined.replace(/\s*\\\s*$/, "")} ${(lines[++i] ?? "").trim()}`;
    }
    const keyword = /^\s*(\w+)/.exec(joined)?.[1]?.toUpperCase() ?? "";
    out.push({ keyword, text: joined.trim(), first, last: i });
    i++;
  }
  return out;
}

type Probe = "node" | "wget";

/** Which probe the stage's base image can run, from its FROM line; undefined when unknown. */
export function probeFor(from: string): Probe | string | undefined {
  const image =
    from
      .replace(/^FROM\s+/i, "")
      .replace(/--platform=\S+\s+/i, "")
      .split(/\s+/)[0] ?? "";
  const [name = "", tag = ""] = image.split("@")[0]?.split(/:(?=[^/]*$)/) ?? [];
  const base = name.split("/").pop() ?? "";
  if (base === "node") {
    const major = Number(/^(\d+)/.exec(tag)?.[1] ?? "NaN");
    if (!Number.isNaN(major) && major < 18)
      return `the image ${inlineCode(image)} has Node ${major}, which has no built-in fetch`;
    return "node";
  }
  if (base === "alpine" || base === "busybox" || /(?:^|-)alpine/.test(tag)) return "wget";
  return undefined;
}

function rewrite(instruction: string, probe: Probe, url: string): string {
  const options = /^HEALTHCHECK\s+((?:--[\w-]+=\S+\s+)*)CMD\b/i.exec(instruction)?.[1] ?? "";
  const command =
    probe === "node"
      ? `CMD ["node", "-e", "fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`
      : `CMD wget -q --spider ${url} || exit 1`;
  return `HEALTHCHECK ${options}${command}`;
}

export const healthcheckCurlRecipe: FixRecipe = {
  id: "healthcheck-without-curl",
  matches: (diagnosis) =>
    diagnosis.category === "healthcheck" && diagnosis.evidence.some((e) => CURL_MISSING.test(e.text)),
  wants: (tree: readonly TreeEntry[]) =>
    tree.filter((e) => DOCKERFILE.test(e.path) && !e.path.includes("node_modules/")).map((e) => e.path),
  apply({ files }): FixOutcome {
    const hits: { path: string; instruction: Instruction; from: string | undefined }[] = [];
    for (const [path, text] of Object.entries(files)) {
      if (!DOCKERFILE.test(path)) continue;
      let from: string | undefined;
      for (const instruction of instructions(text)) {
        if (instruction.keyword === "FROM") from = instruction.text;
        if (instruction.keyword === "HEALTHCHECK" && /\bcurl\b/.test(instruction.text))
          hits.push({ path, instruction, from });
      }
    }
    if (hits.length === 0)
      return refuse(
        "no Dockerfile has a HEALTHCHECK calling curl (a compose file or the platform may define the check: change it there)",
      );
    if (hits.length > 1)
      return refuse(
        `${hits.length} HEALTHCHECK instructions call curl (${hits.map((h) => inlineCode(`${h.path}:${h.instruction.first + 1}`)).join(", ")}); choose one by hand`,
      );
    const [hit] = hits as [(typeof hits)[number]];
    const url = URL.exec(hit.instruction.text)?.[0];
    if (!url) return refuse(`the HEALTHCHECK in ${inlineCode(hit.path)} calls no plain http(s) URL to keep`);
    const probe = hit.from ? probeFor(hit.from) : undefined;
    if (probe === undefined)
      return refuse(
        `the stage's base image (${inlineCode(hit.from ?? "unknown")}) is neither a node image nor Alpine/BusyBox: install curl in it instead`,
      );
    if (probe !== "node" && probe !== "wget") return refuse(probe);
    const text = files[hit.path] as string;
    const lines = text.split("\n");
    const indent = /^\s*/.exec(lines[hit.instruction.first] ?? "")?.[0] ?? "";
    lines.splice(
      hit.instruction.first,
      hit.instruction.last - hit.instruction.first + 1,
      `${indent}${rewrite(hit.instruction.text, probe, url)}`,
    );
    const tool = probe === "node" ? "Node's built-in `fetch`" : "BusyBox `wget --spider`";
    const where = inlineCode(`${hit.path}:${hit.instruction.first + 1}`);
    return {
      applies: true,
      changes: { [hit.path]: lines.join("\n") },
      title: "Health check without curl",
      summary: `rewrite the HEALTHCHECK in ${where} to use ${tool} instead of curl`,
      body: [
        `The image's health check calls \`curl\`, which the image does not contain, so every check fails and the container is marked unhealthy.`,
        "",
        `This rewrites the HEALTHCHECK in ${where} to use ${tool}, which the base image (${inlineCode(hit.from ?? "")}) has, with the same options and the same URL (${inlineCode(url)}). It exits non-zero when the URL does not answer with a 2xx status.`,
      ].join("\n"),
    };
  },
};
