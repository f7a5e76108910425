// The Action's input errors and the `secrets` input's parser: light on purpose, because the entry masks every
// secret with these before it loads anything heavier (action/main.ts).

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** How a workflow passes every secret to the Action (a workflow expression, not a template). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, quoted literally
const SECRETS_EXPRESSION = "${{ toJSON(secrets) }}";

/** The `secrets` input (`${{ toJSON(secrets) }}`) as names (upper-cased) to values; never echoes the input. */
export function parseSecretsInput(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError(`input 'secrets' is not JSON; pass \`${SECRETS_EXPRESSION}\``);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InputError(
      `input 'secrets' must be a JSON object of names to values: \`${SECRETS_EXPRESSION}\``,
    );
  }
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string")
      .map(([name, value]) => [name.toUpperCase(), value]),
  );
}
