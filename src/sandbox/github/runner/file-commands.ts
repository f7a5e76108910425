// The file commands an Action writes (GITHUB_OUTPUT, GITHUB_ENV): `name=value` lines and the heredoc form
// `name<<DELIMITER` … `DELIMITER` that @actions/core uses for every value it writes.

export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (line.length === 0) continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals > 0 && (heredoc < 0 || equals < heredoc)) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc <= 0) throw new Error(`Invalid format '${line}'`);
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    const body: string[] = [];
    index++;
    while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++] ?? "");
    if (index >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}'`);
    values[name] = body.join("\n");
  }
  return values;
}
