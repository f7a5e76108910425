// One Action step as a real child process: `node <entry>` with only the environment the Actions runtime
// contract defines (never the parent's), its output streamed line by line into the job log, and the job's
// timeout enforced by killing it.
import { spawn } from "node:child_process";
import { type JobLog, LineSplitter } from "./job-log.ts";

export interface ActionProcessOptions {
  entry: string;
  cwd: string;
  env: Record<string, string>;
  log: JobLog;
  /** Real milliseconds the step may still take before the job's timeout kills it. */
  timeoutMs: number;
}

export type ActionProcessResult =
  | { kind: "exited"; code: number }
  | { kind: "timed-out" }
  | { kind: "failed-to-start"; message: string };

export function runActionProcess(options: ActionProcessOptions): Promise<ActionProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [options.entry], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let startError: Error | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    // The runner reads workflow commands from both streams.
    const out = new LineSplitter((line) => options.log.output(line));
    const err = new LineSplitter((line) => options.log.output(line));
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      startError = error;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      out.flush();
      err.flush();
      if (startError) resolve({ kind: "failed-to-start", message: startError.message });
      else if (timedOut) resolve({ kind: "timed-out" });
      else resolve({ kind: "exited", code: code ?? 1 });
    });
  });
}
