// The only place that turns words into a remote POSIX shell command. Every word is quoted,
// so no user-supplied text is ever interpreted by the remote shell.

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quote one word for a POSIX shell (sh, dash, bash, ash) and zsh: a word that starts with `=`
 * is quoted too, since zsh expands `=cmd` to a path.
 */
export function quote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (word !== '' && SAFE.test(word) && !word.startsWith('=')) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, each quoted. */
export function shellCommand(words: readonly string[]): string {
  if (words.length === 0) throw new Error('empty command');
  return words.map(quote).join(' ');
}

/** `NAME='value' …` assignments to put before a command (sshd rarely accepts env requests). */
export function envPrefix(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new Error(`bad environment variable name: ${JSON.stringify(name)}`);
      return `${name}=${quote(value)}`;
    })
    .join(' ');
}
