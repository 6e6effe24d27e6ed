// One reading of the config files for a host, as ssh.c process_config_files() and
// readconf.c read_config_file_depth() do it: -F, else the user file then the system file;
// Include (globbed, nested at most 16 deep, a file read with the state of the line that
// included it); Host and Match switching blocks on and off.
import { ConfigError } from '../../config/errors.js';
import { keywordSpec } from './keywords.js';
import { evaluateMatch, hostLineMatches, matchPatternList, type MatchState } from './match.js';
import { parseSshConfig, splitMatchWords, type Directive } from './parse.js';
import { applyDirective, type Setting, type Settings } from './store.js';
import { expandTilde, expandTokens } from './tokens.js';

/** Where config text comes from; tests give temp folders, the CLI the real file system. */
export interface ConfigReader {
  /** The file's text, or null when there is no such file. */
  read(path: string): string | null;
  /** Paths matching a glob pattern (`*`, `?`, `[…]`), sorted; a plain path if it exists. */
  glob(pattern: string): string[];
}

export interface FileSet {
  /** -F: replaces both files; `none` reads no file. A named file must exist. */
  configFile?: string;
  userFile: string;
  systemFile: string;
  /** Where relative Includes of the user file (and -F) and of the system file point. */
  userDir: string;
  systemDir: string;
  home: string;
}

export interface Pass {
  /** The host Host lines are matched against: the argument, then the final host name. */
  host: string;
  originalHost: string;
  localUser: string;
  final: boolean;
}

/** How deep Includes may nest, as READCONF_MAX_DEPTH. */
const MAX_DEPTH = 16;

interface FileFlags {
  user: boolean;
  /** Included from an inactive block: parsed and checked, never applied. */
  neverMatch: boolean;
}

/** Reads the files once; returns whether some `Match final`/`canonical` asks for a second pass. */
export function readConfigFiles(store: Settings, files: FileSet, pass: Pass, reader: ConfigReader): boolean {
  const walk = new Walk(store, files, pass, reader);
  if (files.configFile !== undefined) {
    if (files.configFile.toLowerCase() !== 'none' && !walk.file(files.configFile, { user: true, neverMatch: false }, { on: true }, 0)) {
      throw new ConfigError(`Can't open user config file ${files.configFile}: No such file or directory`);
    }
  } else {
    walk.file(files.userFile, { user: true, neverMatch: false }, { on: true }, 0);
    walk.file(files.systemFile, { user: false, neverMatch: false }, { on: true }, 0);
  }
  return walk.wantFinal;
}

class Walk {
  wantFinal = false;

  constructor(
    private readonly store: Settings,
    private readonly files: FileSet,
    private readonly pass: Pass,
    private readonly reader: ConfigReader,
  ) {}

  /** False when the file does not exist. `active` is shared with the including file. */
  file(path: string, flags: FileFlags, active: { on: boolean }, depth: number): boolean {
    const text = this.reader.read(path);
    if (text === null) return false;
    for (const d of parseSshConfig(text, path)) this.directive(d, flags, active, depth);
    return true;
  }

  private directive(d: Directive, flags: FileFlags, active: { on: boolean }, depth: number): void {
    const spec = keywordSpec(d.keyword);
    if (spec === undefined) {
      const ignore = this.store.get('ignoreunknown')?.[0]?.args[0];
      if (ignore !== undefined && matchPatternList(d.keyword, ignore, true) === 1) return;
      throw new ConfigError(`Bad configuration option: ${d.keyword}`, d.file, d.line);
    }
    if (spec.combine === 'host') {
      if (d.args.some((a) => a === '')) throw new ConfigError('keyword host empty argument', d.file, d.line);
      active.on = !flags.neverMatch && hostLineMatches(this.pass.host, d.args);
    } else if (spec.combine === 'match') {
      const outcome = evaluateMatch(splitMatchWords(d.rest), this.matchState(), d.file, d.line);
      if (outcome.wantFinal) this.wantFinal = true;
      active.on = !flags.neverMatch && outcome.matched;
    } else if (spec.combine === 'include') {
      this.include(d, flags, active, depth);
    } else applyDirective(this.store, spec, d, active.on);
  }

  private include(d: Directive, flags: FileFlags, active: { on: boolean }, depth: number): void {
    const outer = active.on;
    for (const arg of d.args) {
      if (arg === '') throw new ConfigError('keyword include empty argument', d.file, d.line);
      if (arg.startsWith('~') && !flags.user) throw new ConfigError(`bad include path ${arg}.`, d.file, d.line);
      const anchored = arg.startsWith('/') || arg.startsWith('~') ? arg : `${flags.user ? this.files.userDir : this.files.systemDir}/${arg}`;
      const pattern = anchored.startsWith('~') ? expandTilde(anchored, this.files.home) : anchored;
      for (const path of this.reader.glob(pattern)) {
        if (depth + 1 > MAX_DEPTH) {
          throw new ConfigError(`Include nests more than ${MAX_DEPTH} deep (does ${path} include itself?)`, d.file, d.line);
        }
        this.file(path, { user: flags.user, neverMatch: flags.neverMatch || !outer }, active, depth + 1);
        // A Host or Match inside the included file does not carry over to the lines after Include.
        active.on = outer;
      }
    }
  }

  /** The host Match sees so far: HostName with %h applied, else the argument; on the final pass, the final name. */
  private matchState(): MatchState {
    const hostName = this.store.get('hostname')?.[0];
    const { originalHost, localUser, final } = this.pass;
    let host = originalHost;
    if (final) host = hostName?.args[0] ?? this.pass.host;
    else if (hostName !== undefined) host = expandHostName(hostName, originalHost);
    const user = this.store.get('user')?.[0]?.args[0] ?? localUser;
    return { host, originalHost, user, localUser, finalPass: final };
  }
}

/** HostName knows %h (the argument) and %%; anything else stops ssh, naming the line here. */
export function expandHostName(hostName: Setting, originalHost: string): string {
  const none = { host: '', port: 0, user: '', localUser: '', home: '', thisHost: '', uid: 0, keyAlias: '' };
  try {
    return expandTokens(hostName.args[0]!, 'hostname', { ...none, originalHost });
  } catch (e) {
    throw new ConfigError(`HostName: ${(e as Error).message}`, hostName.file, hostName.line);
  }
}
