// The Action's entry. It does the one urgent thing first: every secret it was handed is registered with the
// runner's masker (`::add-mask::`) before anything can print it; only then are the command's modules loaded
// (split into their own chunks, so this first output does not wait for the providers' SDKs to load).
import * as core from "@actions/core";
import { parseSecretsInput } from "./inputs.ts";

export async function run(): Promise<void> {
  maskInputs();
  let redact = (text: string) => text;
  try {
    const { readRunContext } = await import("./run-context.ts");
    const ctx = readRunContext();
    redact = (text) => ctx.secrets.redact(text);
    const { runCommand } = await import("./commands.ts");
    await runCommand(ctx);
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error));
    core.setFailed(`devops-agent: ${message}`);
    // Every run leaves a summary, a failed one too: what stopped it.
    await core.summary
      .addHeading("devops-agent: stopped", 3)
      .addCodeBlock(message, "text")
      .write()
      .catch(() => undefined);
  }
}

/** The job token and each value of the `secrets` input, masked before any other work. */
function maskInputs(): void {
  const token = core.getInput("github-token");
  if (token) core.setSecret(token);
  const secrets = core.getInput("secrets");
  if (!secrets.trim()) return;
  try {
    for (const value of Object.values(parseSecretsInput(secrets))) if (value) core.setSecret(value);
  } catch {
    // readRunContext reports a malformed input, without echoing it.
  }
}

await run();
