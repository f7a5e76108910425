// `devops-agent triage`: a thin adapter over the triage engine's own command.
import type { CliIo } from "./io.ts";
import type { Command } from "./main.ts";

export const triageCliCommand: Command = {
  name: "triage",
  summary: "Name the root cause of a failed build or deploy log, with evidence and fix",
  usage: "Usage: devops-agent triage <logfile|-> [--json]",
  async run(argv: string[], io: CliIo) {
    const { triageCommand } = await import("../triage/cli.ts");
    return triageCommand(argv, { stdout: io.stdout, stderr: io.stderr });
  },
};
