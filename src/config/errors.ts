// A configuration error always names where it came from, so a person can fix the file.
const QUOTE_MAX = 120;

export class ConfigError extends Error {
  constructor(
    /** What is wrong, without the file:line prefix. */
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
    readonly text?: string,
  ) {
    super(ConfigError.format(reason, file, line, text));
    this.name = 'ConfigError';
  }

  private static format(message: string, file?: string, line?: number, text?: string): string {
    const where = file === undefined ? '' : line === undefined ? `${file}: ` : `${file}:${line}: `;
    // A garbage line may be a megabyte long: quote enough of it to find it, not all of it.
    const shown = text !== undefined && text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
    const more = shown === text ? '' : ` (${text?.length} characters)`;
    const what = shown === undefined ? '' : `: ${JSON.stringify(shown)}${more}`;
    return `${where}${message}${what}`;
  }
}

/** Usage errors (bad option values) exit with the same code as configuration errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
