// The Dokploy twin's runtime in the lab: instead of pulling an image into a container, run the app as a local
// process on a free loopback port; its stdout and stderr are its log, timestamped like `docker logs
// --timestamps`. The HTTPS front asks `portOf` where a deployed app listens.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import type { DokployRuntime } from "../dokploy/runtime.ts";

// The Dokploy twin's hook, re-exported so lab users need one import.
export type { DokployRuntime, RuntimeApp } from "../dokploy/runtime.ts";

export interface ProcessRuntimeOptions {
  /** The local process standing in for an image; undefined: this image cannot run in the lab. */
  resolveImage: (dockerImage: string) => { cwd: string; command: string[] } | undefined;
  /** How long an app may take to accept connections before the deploy is an error (default 15 s). */
  startupTimeoutMs?: number;
  now?: () => Date;
}

export interface ProcessRuntime extends DokployRuntime {
  /** The loopback port the app listens on while it runs. */
  portOf(appName: string): number | undefined;
  /** The app that serves a host, from the domains it was deployed with. */
  appForHost(host: string): { appName: string } | undefined;
  /** Pids of the apps still running, so callers (and tests) can see nothing is left behind. */
  pids(): number[];
  /** Stops every app; no child process outlives it. */
  close(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  port: number;
  hosts: string[];
  exited: Promise<void>;
}

export function createProcessRuntime(options: ProcessRuntimeOptions): ProcessRuntime {
  const now = options.now ?? (() => new Date());
  const startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
  const running = new Map<string, Running>();
  const logs = new Map<string, string>();

  const stop = async (appName: string): Promise<void> => {
    const app = running.get(appName);
    if (!app) return;
    running.delete(appName);
    await terminate(app);
  };

  return {
    async deploy(app) {
      // A redeploy replaces the old process, as Dokploy replaces the container.
      await stop(app.appName);
      const image = options.resolveImage(app.dockerImage);
      if (!image) {
        const message =
          `the lab has no local process for image ${app.dockerImage}: ` +
          "add it to the process runtime's resolveImage";
        logs.set(app.appName, `${now().toISOString()} ${message}\n`);
        return { status: "error", log: logs.get(app.appName) ?? "", errorMessage: message };
      }
      const [command, ...args] = image.command;
      if (!command) throw new Error(`resolveImage(${app.dockerImage}) returned an empty command`);
      const port = await freePort();
      logs.set(app.appName, "");
      const append = (text: string) => logs.set(app.appName, (logs.get(app.appName) ?? "") + text);
      const child = spawn(command, args, {
        cwd: image.cwd,
        env: { PATH: process.env.PATH ?? "", ...app.env, PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, so stopping it also stops anything it spawned (no orphans).
        detached: true,
      });
      for (const stream of [child.stdout, child.stderr]) {
        const lines = timestamped(append, now);
        stream?.on("data", lines.write);
        stream?.on("end", lines.flush);
      }
      // "close", not "exit": the app's last words are in its log before anyone reads it.
      let gone = false;
      const exited = new Promise<void>((resolve) =>
        child.once("close", () => {
          gone = true;
          resolve();
        }),
      );
      const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
      const entry: Running = {
        child,
        port,
        hosts: app.domains.map((d) => d.host.toLowerCase()),
        exited,
      };
      running.set(app.appName, entry);

      const outcome = await Promise.race([
        waitForPort(port, { timeoutMs: startupTimeoutMs, gone: () => gone }).then((ready) =>
          ready ? "ready" : "timeout",
        ),
        exited.then(() => "exited" as const),
        spawnError.then((error) => error),
      ]);
      if (outcome === "ready") return { status: "done", log: logs.get(app.appName) ?? "" };
      await stop(app.appName);
      const errorMessage =
        outcome === "exited"
          ? `the application exited (code ${child.exitCode ?? child.signalCode}) before it accepted connections on port ${port}`
          : outcome === "timeout"
            ? `the application did not accept connections on port ${port} within ${startupTimeoutMs} ms`
            : `the application could not start: ${outcome.message}`;
      append(`${now().toISOString()} ${errorMessage}\n`);
      return { status: "error", log: logs.get(app.appName) ?? "", errorMessage };
    },
    logs: (appName) => logs.get(appName),
    stop,
    portOf: (appName) => running.get(appName)?.port,
    appForHost(host) {
      const name = host.toLowerCase();
      for (const [appName, app] of running) if (app.hosts.includes(name)) return { appName };
      return undefined;
    },
    pids: () => [...running.values()].flatMap((app) => (app.child.pid ? [app.child.pid] : [])),
    async close() {
      await Promise.all([...running.keys()].map(stop));
    },
  };
}

async function terminate(app: Running): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  signalGroup(app.child, "SIGTERM");
  const killed = await Promise.race([app.exited.then(() => true), sleep(2000).then(() => false)]);
  if (!killed) {
    signalGroup(app.child, "SIGKILL");
    await app.exited;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Splits output into lines and prefixes each with an RFC 3339 timestamp, keeping a partial line for later. */
function timestamped(
  append: (text: string) => void,
  now: () => Date,
): { write: (chunk: Buffer) => void; flush: () => void } {
  let partial = "";
  return {
    write(chunk) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) append(`${now().toISOString()} ${line}\n`);
    },
    flush() {
      if (partial) append(`${now().toISOString()} ${partial}\n`);
      partial = "";
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  options: { timeoutMs: number; gone: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && !options.gone()) {
    if (await accepts(port)) return true;
    await sleep(50);
  }
  return false;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
