// A configuration error always names where it came from, so a person can fix the file.
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly text?: string,
  ) {
    super(ConfigError.format(message, file, line, text));
    this.name = 'ConfigError';
  }

  private static format(message: string, file?: string, line?: number, text?: string): string {
    const where = file === undefined ? '' : line === undefined ? `${file}: ` : `${file}:${line}: `;
    const what = text === undefined ? '' : `: ${JSON.stringify(text)}`;
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
