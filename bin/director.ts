#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// Wires commander to the commands; nothing else. Command modules load lazily so that
// `director --help` starts fast. (The shebang drops NODE_EXTRA_CA_CERTS: director makes no
// TLS connections, and Node would otherwise parse that CA bundle at every start, ~40 ms here.)
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { ActionContext } from '../src/cli/context.js';
import type { RawGlobals } from '../src/cli/globals.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('director')
  .description('Drive a cluster of machines over SSH from one director node.')
  .version(pkg.version, '-V, --version')
  .option('-c, --clients <file>', 'clients file (env DIRECTOR_CLIENTS)', undefined)
  .option('--ports <file>', 'ports file for local mode (env DIRECTOR_PORTS)')
  .option('-l, --user <name>', 'remote user when clients.conf names none (default: ~/.ssh/config, then the local user)')
  .option('-i, --identity <file>', 'private key (default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)')
  .option('-F, --ssh-config <file>', 'ssh_config file for HostName, User, Port, IdentityFile, ServerAliveInterval/CountMax (default ~/.ssh/config)')
  .option('--ignore-ssh-option <keyword>', 'connect even though ssh_config sets this routing keyword (ProxyJump, ProxyCommand…) that director cannot honour yet; repeatable', (v: string, all: string[] = []) => [...all, v])
  .option('-p, --parallel <n>', 'clients worked on at once (default 32); connection attempts do not count')
  .option('--connect-timeout <s>', 'seconds to wait for a connection and SSH handshake (default 10)')
  .option('-t, --timeout <s>', 'per-client time limit for remote commands (default none)')
  .option('-g, --group <name>', 'only the clients under [name] in clients.conf')
  .option('-H, --hosts <list>', 'only these clients: comma list of names, globs (*, ?) and ranges (node[1-4])')
  .option('-x, --exclude <list>', 'leave out these clients (same forms as -H)')
  .option('--known-hosts <file>', 'known_hosts file (default ~/.ssh/known_hosts)')
  .addOption(
    new Option('--host-key-checking <mode>', 'unknown hosts: strict refuses, accept-new records them (default), off checks nothing').choices([
      'strict',
      'accept-new',
      'off',
    ]),
  )
  .option('--json', 'machine-readable results on stdout')
  .option('--no-color', 'no colour (NO_COLOR is honoured too)')
  .showHelpAfterError('(run director --help for usage)')
  .configureHelp({ sortSubcommands: false });

program.exitOverride((err) => {
  // Usage errors exit 2, as configuration errors do; --help and --version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 2);
});

type Action<A> = (args: A, ctx: ActionContext) => Promise<number>;

function act<A>(load: () => Promise<{ default: Action<A> }>, args: (cmd: Command, positional: string[]) => A) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const positional = all.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const raw = cmd.optsWithGlobals() as RawGlobals;
    // Loaded here, not at the top: `director --help` never pays for ssh2.
    const { guard } = await import('../src/cli/guard.js');
    await guard(raw, async (ctx) => (await load()).default(args(cmd, positional), ctx));
  };
}

program
  .command('status')
  .description('ping every client (ICMP, 2 packets): ON or OFF')
  .option('--ssh', 'also log in to each client and report SSH OK or why not')
  .action(act(() => import('../src/cli/actions/status.js'), (cmd) => cmd.opts()));

program
  .command('mkdir')
  .description('create <path>/<dirName> on every client (parents included)')
  .argument('<path>', 'parent folder on the clients; relative paths and ~/… are under the remote home')
  .argument('<dirName>', 'name of the folder to create (one name, no "/")')
  .action(act(() => import('../src/cli/actions/mkdir.js'), (_cmd, [path, dirName]) => ({ path: path ?? '', dirName: dirName ?? '' })));

program
  .command('start_local')
  .alias('start-local')
  .description('local mode: an echo service on 127.0.0.1 for each port in port.conf, left running in the background')
  .option('--foreground', 'stay attached, log requests, stop every service on Ctrl-C')
  .action(act(() => import('../src/cli/actions/start-local.js'), (cmd) => cmd.opts()));

program
  .command('ping')
  .description('local mode: ask the echo service on each port in port.conf for an echo (DOWN if none)')
  .option('-n, --count <k>', 'pings per port, reported as min/avg/max', '1')
  .action(act(() => import('../src/cli/actions/ping.js'), (cmd) => cmd.opts()));

program
  .command('shutdown_local')
  .alias('shutdown-local')
  .description('local mode: stop the echo services that start_local recorded in .director/local.json')
  .action(act(() => import('../src/cli/actions/shutdown-local.js'), () => ({})));

program
  .command('data')
  .description('spread a folder of data files over the clients, md5-verified; local copies go once verified')
  .argument('[dir]', 'local folder of data files (walked recursively; symbolic links are skipped)')
  .argument('[project]', 'project name: files land in <remote-root>/<project>/<relative path>')
  .option('--remote-root <path>', 'remote folder for projects', '~/director/data')
  .option('--placement <rule>', 'mod: by the _<n> in the name, (n-1) mod N; random: any client', 'mod')
  .option('--seed <s>', 'make random placement repeatable')
  .option('--ext <list>', 'eligible extensions (default .txt,.json,.zip,.gz)')
  .option('--all', 'every regular file is eligible')
  .option('--keep', 'keep the local copies after verification')
  .option('--force', 'replace a different file already at the target')
  .option('--dry-run', 'print the plan and send nothing')
  .option('--wait', 'if another data run holds the project, wait for it instead of refusing')
  .option('--list <project>', 'print where the files of <project> went (the placement record)')
  .action(
    act(
      () => import('../src/cli/actions/data.js'),
      (cmd, [dir, project]) => ({ ...cmd.opts(), dir, project }),
    ),
  );

program
  .command('copy')
  .description('the same files or folders to every client, md5-verified there, renamed into place atomically')
  .argument('<paths...>', 'local files and folders, then the remote folder (relative paths and ~/… are under the remote home)')
  .option('--preserve', 'keep the local mode and mtime')
  .option('--mode <octal>', 'give every file written this mode (e.g. 640)')
  .option('--owner <user[:group]>', 'give every file written this owner (the remote login must be root)')
  .option('--backup', 'keep a file that is replaced as <name>~')
  .action(
    act(
      () => import('../src/cli/actions/copy.js'),
      (cmd) => {
        const words = cmd.args;
        return { ...cmd.opts(), preserve: cmd.opts()['preserve'] === true, backup: cmd.opts()['backup'] === true, sources: words.slice(0, -1), dest: words.length > 1 ? (words[words.length - 1] as string) : '' };
      },
    ),
  );

program
  .command('sync')
  .description('make a remote folder hold what a local folder holds, sending only what differs (prsync)')
  .argument('<dir>', 'local folder: its contents are synced')
  .argument('<remoteDir>', 'remote folder (relative paths and ~/… are under the remote home)')
  .option('--checksum', 'compare md5 on both ends (default: size and mtime)')
  .option('--delete', 'remove remote entries the local folder does not have (never /, ~ or a home)')
  .option('--dry-run', 'show per client what would change, change nothing')
  .action(
    act(
      () => import('../src/cli/actions/sync.js'),
      (cmd, [dir, dest]) => ({ dir: dir ?? '', dest: dest ?? '', checksum: cmd.opts()['checksum'] === true, delete: cmd.opts()['delete'] === true, dryRun: cmd.opts()['dryRun'] === true }),
    ),
  );

program
  .command('gather')
  .description("every client's matching files into <localDir>/<client>/<path>, md5-verified (pslurp, clush --rcopy)")
  .argument('<remotePath>', 'remote path or glob (*, ?, [..] expanded by the client\'s /bin/sh; \\ makes the next character literal); relative and ~/… are under the remote home')
  .argument('<localDir>', 'local folder: one folder per client inside it')
  .action(act(() => import('../src/cli/actions/gather.js'), (_cmd, [pattern, dir]) => ({ pattern: pattern ?? '', dir: dir ?? '' })));

program
  .command('run')
  .description('upload <script> to every client, run it (in the project data folder if given), gather each client\'s output')
  .argument('<script>', 'local script: run by its shebang, else /bin/sh')
  .argument('[project]', 'work in <remote-root>/<project> and list the files data placed there in DIRECTOR_FILES')
  .argument('[args...]', 'arguments for the script, after "--"')
  .option('-o, --output <dir>', 'root of the output folders', 'output')
  .option('--remote-root <path>', 'remote folder for projects (default: the placement record\'s, else ~/director/data)')
  .option('--keep-remote', 'leave the remote temporary folder (script, DIRECTOR_OUTPUT_DIR) in place')
  .option('--inline', "print each client's whole output as one block when it finishes")
  .option('--fold', 'print one block per group of clients with identical output and status')
  .option('-q, --quiet', 'print only the status lines')
  .option('--stdin <file>', 'send this file to every client\'s standard input ("-" for the director\'s; default: piped stdin)')
  .option('--no-stdin', 'do not read piped standard input')
  .action(act(() => import('../src/cli/actions/run.js'), (cmd) => ({ opts: cmd.opts(), operands: cmd.args, argv: process.argv })));

program
  .command('exec')
  .description('run a command (your own shell code) on every client, with run\'s output, time limit and exit status')
  .argument('<command...>', 'the command words, after "--"; joined by spaces as ssh does')
  .option('-o, --output <dir>', 'keep the per-client files under <dir>/exec/<run id>/')
  .option('--keep-remote', 'leave the remote temporary folder in place')
  .option('--inline', "print each client's whole output as one block when it finishes")
  .option('--fold', 'print one block per group of clients with identical output and status')
  .option('-q, --quiet', 'print only the status lines')
  .option('--stdin <file>', 'send this file to every client\'s standard input ("-" for the director\'s; default: piped stdin)')
  .option('--no-stdin', 'do not read piped standard input')
  .action(act(() => import('../src/cli/actions/exec.js'), (cmd) => ({ opts: cmd.opts(), operands: cmd.args, argv: process.argv })));

const sandbox = program
  .command('sandbox')
  .description('a throwaway local cluster of real sshd hosts on loopback, to rehearse every command');
sandbox
  .command('up')
  .description('start K local sshd hosts and write a clients.conf, key and known_hosts for them')
  .option('-n, --count <k>', 'number of hosts', '4')
  .option('--dir <dir>', 'where the sandbox keeps its files', '.director/sandbox')
  .action(act(() => import('../src/cli/actions/sandbox-up.js'), (cmd) => cmd.opts()));
sandbox
  .command('down')
  .description('stop the sandbox hosts and remove their files')
  .option('--dir <dir>', 'where the sandbox keeps its files', '.director/sandbox')
  .action(act(() => import('../src/cli/actions/sandbox-down.js'), (cmd) => cmd.opts()));

await program.parseAsync(process.argv);
