// The `devops-agent` command line: parses argv, runs one command, returns an exit code. Only bin.ts exits.
import { type CliIo, UsageError } from "./io.ts";

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

const notYet = (name: string, issue: string, summary: string, usage: string): Command => ({
  name,
  summary,
  usage,
  async run(argv, io) {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.stdout(usage);
      return 0;
    }
    io.stderr(`devops-agent ${name}: not built yet (tracked in ${issue}). Nothing was done.`);
    return 2;
  },
});

async function loadCommands(): Promise<Command[]> {
  // Imported lazily so `devops-agent triage` does not pay for loading the sandbox, and the reverse.
  const { startCommand } = await import("./start.ts");
  const { triageCliCommand } = await import("./triage.ts");
  const { demoCommand } = await import("./demo.ts");
  return [
    startCommand,
    demoCommand,
    notYet(
      "doctor",
      "issue #4",
      "Check tokens, secrets placement, branch protection and provider versions",
      "Usage: devops-agent doctor [--repo OWNER/NAME]\n\nVerifies what the onboarding checklist asked for.",
    ),
    triageCliCommand,
    notYet(
      "ask",
      "a later issue",
      "Ask the model about a repository's deploy setup (answers only propose)",
      "Usage: devops-agent ask <question>",
    ),
    notYet(
      "lab",
      "issue #4",
      "Set up the local lab of real DNS, TLS and containers",
      "Usage: devops-agent lab [up|down|status]",
    ),
  ];
}

export function usage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: devops-agent <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `devops-agent <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const commands = await loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    io.stdout("devops-agent 0.1.0");
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`devops-agent: unknown command '${name}'.\n\n${usage(commands)}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`devops-agent ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    throw error;
  }
}
