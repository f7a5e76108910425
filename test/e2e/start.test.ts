// `devops-agent start` without credentials, as a real process: the sandbox comes up, answers over HTTP,
// the App answers a command through a signed webhook, and Ctrl-C stops it with its state kept.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const bin = new URL("../../bin/devops-agent.js", import.meta.url).pathname;

async function startCli(
  stateDir: string,
): Promise<{ child: ChildProcess; output: () => string; ready: string }> {
  const child = spawn(process.execPath, [bin, "start", "--state-dir", stateDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not come up:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      if (output.includes("Press Ctrl-C")) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(output);
      }
    }, 50);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`exited with ${code} before coming up:\n${output}`));
    });
  });
  return { child, output: () => output, ready };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}

test("npm start without credentials: the sandbox comes up, answers, and the App replies to /devops help", async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "devops-start-"));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const { child, ready } = await startCli(stateDir);
  t.after(() => child.kill("SIGKILL"));

  const api = /GitHub twin \(REST API\): (\S+)/.exec(ready)?.[1];
  const token = /^ {2}maya\s+maintainer\s+(\S+)$/m.exec(ready)?.[1];
  assert.ok(api && token, `printed the API URL and the maintainer's token:\n${ready}`);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

  const repo = await fetch(`${api}/repos/acme/hello-service`, { headers });
  assert.equal(repo.status, 200);
  const dockerfile = await fetch(`${api}/repos/acme/hello-service/contents/Dockerfile`, { headers });
  assert.match(
    Buffer.from(((await dockerfile.json()) as { content: string }).content, "base64").toString(),
    /EXPOSE 3000/,
  );

  const issue = (await (
    await fetch(`${api}/repos/acme/hello-service/issues`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "Deploy" }),
    })
  ).json()) as { number: number };
  await fetch(`${api}/repos/acme/hello-service/issues/${issue.number}/comments`, {
    method: "POST",
    headers,
    body: JSON.stringify({ body: "/devops help" }),
  });
  let reply: { user: { login: string }; body: string } | undefined;
  for (let i = 0; i < 100 && !reply; i++) {
    const comments = (await (
      await fetch(`${api}/repos/acme/hello-service/issues/${issue.number}/comments`, { headers })
    ).json()) as { user: { login: string }; body: string }[];
    reply = comments.find((c) => c.user.login === "devops-agent[bot]");
    if (!reply) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(reply, "the App replied through its installation token");
  assert.match(reply.body, /\/devops deploy/);
  assert.equal(await stop(child), 0);

  // The state directory keeps the world: a restart finds the same issue and does not seed twice.
  const again = await startCli(stateDir);
  t.after(() => again.child.kill("SIGKILL"));
  const api2 = /GitHub twin \(REST API\): (\S+)/.exec(again.ready)?.[1];
  const token2 = /^ {2}maya\s+maintainer\s+(\S+)$/m.exec(again.ready)?.[1];
  const kept = await fetch(`${api2}/repos/acme/hello-service/issues/${issue.number}`, {
    headers: { authorization: `Bearer ${token2}` },
  });
  assert.equal(kept.status, 200);
  assert.equal(await stop(again.child), 0);
});
