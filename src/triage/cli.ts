// `devops-agent triage <logfile|-> [--json]`: diagnoses a log file (or stdin) and prints the root cause,
// as a readable report or as one JSON object. Returns an exit code; never exits the process itself.
import { open } from "node:fs/promises";
import { diagnose } from "./index.ts";
import type { Diagnosis } from "./types.ts";

export interface TriageIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Where `-` reads from; process.stdin when omitted. */
  stdin?: AsyncIterable<string | Uint8Array>;
}

export const TRIAGE_USAGE = `Usage: devops-agent triage <logfile|-> [--json]

Names the root cause of a failed CI or deploy log, with the evidence lines and a fix.

Arguments:
  <logfile>   path to the log (GitHub Actions logs with timestamps and groups are understood)
  -           read the log from standard input

Options:
  --json      print one JSON object: {"category","summary","fix","confidence","evidence":[{"line","text"}]}
  --help      show this help

Exit codes: 0 diagnosed (including "unknown"), 2 usage error or unreadable log file.
`;

const EXIT_OK = 0;
const EXIT_USAGE = 2;

export async function triageCommand(argv: string[], io: TriageIo): Promise<number> {
  const parsed = parseArgs(argv);
  if ("help" in parsed) {
    io.stdout(TRIAGE_USAGE);
    return EXIT_OK;
  }
  if ("error" in parsed) {
    io.stderr(`triage: ${parsed.error}\n\n${TRIAGE_USAGE}`);
    return EXIT_USAGE;
  }
  let diagnosis: Diagnosis;
  if (parsed.file === "-") {
    diagnosis = await diagnose(io.stdin ?? process.stdin);
  } else {
    const opened = await openLog(parsed.file);
    if ("error" in opened) {
      io.stderr(`triage: cannot read log file '${parsed.file}': ${opened.error}\n`);
      return EXIT_USAGE;
    }
    diagnosis = await diagnose(opened.stream);
  }
  io.stdout(parsed.json ? `${JSON.stringify(toJson(diagnosis))}\n` : formatReport(diagnosis));
  return EXIT_OK;
}

type Parsed = { help: true } | { error: string } | { file: string; json: boolean };

function parseArgs(argv: readonly string[]): Parsed {
  let json = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--json") json = true;
    else if (arg.startsWith("-") && arg !== "-") return { error: `unknown option '${arg}'` };
    else files.push(arg);
  }
  if (files.length === 0) return { error: "missing <logfile> (use - for standard input)" };
  if (files.length > 1) return { error: `expected one log file, got ${files.length}` };
  return { file: files[0] as string, json };
}

// Opens first so a missing file is a clear error rather than a stream error halfway through.
async function openLog(path: string): Promise<{ stream: AsyncIterable<Uint8Array> } | { error: string }> {
  try {
    const handle = await open(path, "r");
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      return { error: "is a directory" };
    }
    // The stream closes the handle when it ends or fails.
    return { stream: handle.createReadStream({ highWaterMark: 1 << 20 }) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { error: "no such file" };
    if (code === "EACCES") return { error: "permission denied" };
    if (code === "EISDIR") return { error: "is a directory" };
    return { error: (err as Error).message };
  }
}

/** The JSON shape printed by --json. */
export function toJson(
  d: Diagnosis,
): Pick<Diagnosis, "category" | "summary" | "fix" | "confidence" | "evidence"> {
  return {
    category: d.category,
    summary: d.summary,
    fix: d.fix,
    confidence: d.confidence,
    evidence: d.evidence.map((e) => ({ line: e.line, text: e.text })),
  };
}

export function formatReport(d: Diagnosis): string {
  const lines = [
    d.category === "unknown"
      ? "Root cause: unknown"
      : `Root cause: ${d.category} (confidence ${d.confidence.toFixed(2)})`,
  ];
  if (d.failingStep !== undefined) lines.push(`Failing step: ${d.failingStep}`);
  lines.push("", d.summary, "", `Fix: ${d.fix}`);
  if (d.evidence.length > 0) {
    lines.push("", "Evidence:");
    const width = String(d.evidence[d.evidence.length - 1]?.line ?? 0).length;
    for (const e of d.evidence) lines.push(`  ${String(e.line).padStart(width)} | ${e.text}`);
  }
  return `${lines.join("\n")}\n`;
}
