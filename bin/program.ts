// The commander program: every command, its options, and the action that loads its module.
// Wiring only. Command modules load lazily so that `director --help` starts fast. Loaded by
// bin/director.cts once no keeper took the command line, and by a keeper for each command it
// is sent (served.ts admit decides there whether the keeper runs it).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, Option } from 'commander';
import { hostsCountFlag } from '../src/cli/argv.js';
import { serving } from '../src/cli/caller.js';
import type { ActionContext } from '../src/cli/context.js';
import type { RawGlobals } from '../src/cli/globals.js';
import { commandPath, usageErrorOutput } from '../src/cli/usage-errors.js';

// A run keeps a small record per file (100 000 files: a live heap of ~65 MB), and V8's default
// lets the heap grow to about three times what survived the last full collection before the
// next one. Growing by 40% instead bounds the peak near the live set; measured on `data` of
// 100 000 files: peak RSS 323 → 225 MB for ~5% more CPU. Read by V8 at each collection, so
// setting it here, before the work starts, takes effect.
setFlagsFromString('--heap-growing-percent=40');

/** For repeatable options: every value, in order. */
const collect = (v: string, all: string[] = []) => [...all, v];

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('director')
  .description('Drive a cluster of machines over SSH from one director node.')
  .version(pkg.version, '-V, --version')
  .option('-c, --clients <file>', 'clients file (env DIRECTOR_CLIENTS; default ./config/clients.conf, else ~/.config/director/)', undefined)
  .option('--ports <file>', 'ports file for local mode (env DIRECTOR_PORTS; default ./config/port.conf, else ~/.config/director/)')
  .option('-l, --user <name>', 'remote user when clients.conf names none (default: ssh_config, then the local user)')
  .option('-i, --identity <file>', 'private key, offered before ssh_config\'s IdentityFile keys (as ssh -i)')
  .option('-F, --ssh-config <file>', 'ssh_config file instead of ~/.ssh/config and /etc/ssh/ssh_config (as ssh -F)')
  .option('-o, --ssh-option <Keyword=value>', 'an ssh_config setting that wins over the files (as ssh -o); repeatable', collect)
  .option('-J, --jump <[user@]host[:port],…>', 'reach the clients through these bastions (as ssh -J)')
  .option('--ignore-ssh-option <keyword>', 'connect even though ssh_config sets this keyword, which director cannot carry out; repeatable', collect)
  .option('-A, --ask-pass', 'ask once for a password (not shown) for clients whose servers take passwords, after the keys')
  .option('-v, --verbose', 'print which clients.conf was used, what ssh_config gave each client and how each connection went (on stderr)')
  .option('-p, --parallel <n>', 'clients worked on at once (default 32); connection attempts do not count')
  .option('--connect-timeout <s>', 'seconds to wait for a connection and SSH handshake (default: ConnectTimeout, else 10)')
  .option('-t, --timeout <s>', 'per-client time limit for remote commands (default none)')
  .option('-w, --nodes <set>', 'these clients: a node set (node[1-4,7], @group, globs, a!b, a&b, a^b); without clients.conf, the clients themselves ([user@]host[:port]); repeatable', collect)
  .option('-H, --hosts <set>', 'same as -w', collect)
  .option('-g, --group <name>', 'the clients under [name] in clients.conf (joined to -w, as @name); repeatable', collect)
  .option('-x, --exclude <set>', 'leave out these clients (a node set); repeatable', collect)
  .option('--known-hosts <file>', 'known_hosts file (default: UserKnownHostsFile, i.e. ~/.ssh/known_hosts)')
  .addOption(
    new Option('--host-key-checking <mode>', 'unknown hosts: strict refuses, accept-new records them, off checks nothing (default: StrictHostKeyChecking, else accept-new)').choices([
      'strict',
      'accept-new',
      'off',
    ]),
  )
  .option('--no-keeper', 'connect directly even when a keeper (director connect) holds connections for these clients (env DIRECTOR_NO_KEEPER=1)')
  .option('--json', 'machine-readable results on stdout (docs/json.md)')
  .option('--no-color', 'no colour (NO_COLOR is honoured too)')
  // Inherited by every command: `director exec --help` lists -t, -p, -H… too.
  .configureHelp({ sortSubcommands: false, showGlobalOptions: true });

program.exitOverride((err) => {
  // In a keeper, a caller's help or usage error is not the keeper's: it refuses the command
  // line and the caller parses it itself.
  if (serving()) throw err;
  // Usage errors exit 2, as configuration errors do; --help and --version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 2);
});

type Action<A> = (args: A, ctx: ActionContext) => Promise<number>;

const always = () => true;

/** `kept`: the command may run in a keeper holding connections for these clients (src/keeper). */
function act<A>(load: () => Promise<{ default: Action<A> }>, args: (cmd: Command, positional: string[]) => A, kept?: (cmd: Command) => boolean) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const positional = all.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const raw = cmd.optsWithGlobals() as RawGlobals;
    if (serving()) {
      // Inside a keeper: it takes the command only if it is one it runs, with its clients and settings.
      const { admit } = await import('../src/keeper/served.js');
      admit(raw, kept?.(cmd) === true);
    }
    // Loaded here, not at the top: `director --help` never pays for ssh2.
    const { guard } = await import('../src/cli/guard.js');
    await guard(raw, commandPath(cmd).replace(/^director /, ''), async (ctx) => (await load()).default(args(cmd, positional), ctx));
  };
}

program
  .command('status')
  .description('ping every client (ICMP, 2 packets): ON or OFF')
  .option('--ssh', 'also log in to each client and report SSH OK or why not')
  .option('--keeper', 'show the connection keepers instead: clients, connections alive, idle time')
  .action(act(() => import('../src/cli/actions/status.js'), (cmd) => cmd.opts(), (cmd) => cmd.opts()['ssh'] === true && cmd.opts()['keeper'] !== true));

program
  .command('mkdir')
  .description('create <path>/<dirName> on every client (parents included)')
  .argument('<path>', 'parent folder on the clients; relative paths and ~/… are under the remote home')
  .argument('<dirName>', 'name of the folder to create (one name, no "/")')
  .action(act(() => import('../src/cli/actions/mkdir.js'), (_cmd, [path, dirName]) => ({ path: path ?? '', dirName: dirName ?? '' }), always));

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
  .option('--remote', "ask every client's echo service (director start), through its SSH connection")
  .action(act(() => import('../src/cli/actions/ping.js'), (cmd) => cmd.opts()));

program
  .command('shutdown_local')
  .alias('shutdown-local')
  .description('local mode: stop the echo services that start_local recorded in .director/local.json')
  .action(act(() => import('../src/cli/actions/shutdown-local.js'), () => ({})));

program
  .command('start')
  .description("director's echo service on every client, on the ports of port.conf (node, python3 or perl: nothing installed)")
  .option('--bind <address>', 'address it listens on, on each client (default 127.0.0.1; "client": the address director reaches it at)')
  .option('--idle-timeout <s>', 'close a connection idle this long (default 60)')
  .option('--restart <policy>', 'no (default) or on-failure: restart it with back-off when it exits non-zero')
  .option('--replace', 'stop a running echo service first')
  .option('--grace <s>', 'with --replace: seconds between TERM and KILL (default 10)')
  .action(act(() => import('../src/cli/actions/start.js'), (cmd) => cmd.opts()));

program
  .command('shutdown')
  .description('stop the echo service that director start left on every client')
  .option('--grace <s>', 'seconds between TERM and KILL (default 10)')
  .action(act(() => import('../src/cli/actions/shutdown.js'), (cmd) => cmd.opts()));

const service = program
  .command('service')
  .description('long-running commands on the clients: detached from SSH, supervised, logged');
service
  .command('start')
  .description('start a command on every client, detached, in ~/director/services/<name>/')
  .argument('<name>', 'service name: letters, digits, "_", "-", "."')
  .argument('<command...>', 'the command, after "--": shell code that /bin/sh runs on each client')
  .option('--port <port>', 'the port it listens on: status checks it; DIRECTOR_SERVICE_PORT tells the command')
  .option('--restart <policy>', 'no (default) or on-failure: restart it with back-off when it exits non-zero')
  .option('--replace', 'stop a running one first')
  .option('--grace <s>', 'with --replace: seconds between TERM and KILL (default 10)')
  .option('--log-limit <size>', 'rotate the log past this size, e.g. 512K, 10M (default 10M)')
  .action(
    act(
      () => import('../src/cli/actions/service-start.js'),
      (cmd) => ({ name: String(cmd.processedArgs[0]), words: cmd.processedArgs[1] as string[], opts: cmd.opts() }),
      always,
    ),
  );
service
  .command('status')
  .description('running / stopped / crashed / unknown, with pid, uptime, memory, CPU, restarts, ports and the last log line')
  .argument('[name]', 'one service (default: every service on the clients)')
  .option('--fold', 'one line per group of clients in the same state')
  .action(act(() => import('../src/cli/actions/service-status.js'), (cmd, [name]) => ({ name, opts: cmd.opts() }), always));
service
  .command('stop')
  .description('TERM, a grace period, then KILL, to every process of the service; "stopped" once none is left')
  .argument('<name>', 'the service')
  .option('--grace <s>', 'seconds between TERM and KILL (default 10)')
  .action(act(() => import('../src/cli/actions/service-stop.js'), (cmd, [name]) => ({ name: name ?? '', opts: cmd.opts() }), always));
service
  .command('restart')
  .description('stop the service and start its recorded command again')
  .argument('<name>', 'the service')
  .option('--grace <s>', 'seconds between TERM and KILL (default 10)')
  .action(act(() => import('../src/cli/actions/service-restart.js'), (cmd, [name]) => ({ name: name ?? '', opts: cmd.opts() }), always));
service
  .command('logs')
  .description("the last lines of the service's log on every client, host-prefixed")
  .argument('<name>', 'the service')
  .option('-n, --lines <n>', 'lines per client (default 10)')
  .option('-f, --follow', 'then follow every client live until Ctrl-C')
  .action(act(() => import('../src/cli/actions/service-logs.js'), (cmd, [name]) => ({ name: name ?? '', opts: cmd.opts() }), always));

program
  .command('data')
  .description('spread a folder of data files over the clients, md5-verified; local copies go once verified')
  .argument('[dir]', 'local folder of data files (walked recursively; symbolic links are skipped)')
  .argument('[project]', 'project name: files land in <remote-root>/<project>/<relative path>')
  .option('--remote-root <path>', 'remote folder for projects', '~/director/data')
  .option('--placement <rule>', 'mod: by the _<n> in the name, (n-1) mod N; random: any client', 'mod')
  .option('--seed <s>', 'make random placement repeatable')
  .option('--replicas <r>', 'a copy of each file on r distinct clients (the rule picks the first, the next clients the others); local copies go once all r verified', '1')
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
      always,
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
      always,
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
      always,
    ),
  );

program
  .command('gather')
  .description("every client's matching files into <localDir>/<client>/<path>, md5-verified (pslurp, clush --rcopy)")
  .argument('<remotePath>', 'remote path or glob (*, ?, [..] expanded by the client\'s /bin/sh; \\ makes the next character literal); relative and ~/… are under the remote home')
  .argument('<localDir>', 'local folder: one folder per client inside it')
  .action(act(() => import('../src/cli/actions/gather.js'), (_cmd, [pattern, dir]) => ({ pattern: pattern ?? '', dir: dir ?? '' }), always));

program
  .command('run')
  .description('upload <script> to every client, run it (in the project data folder if given), gather each client\'s output')
  .argument('<script>', 'local script: run by its shebang, else /bin/sh')
  .argument('[project]', 'work in <remote-root>/<project> and list the files data placed there in DIRECTOR_FILES')
  .argument('[args...]', 'arguments for the script, after "--"')
  .option('--output <dir>', 'root of the output folders', 'output')
  .option('--remote-root <path>', 'remote folder for projects (default: the placement record\'s, else ~/director/data)')
  .option('--keep-remote', 'leave the remote temporary folder (script, DIRECTOR_OUTPUT_DIR) in place')
  .option('--inline', "print each client's whole output as one block when it finishes")
  .option('--fold', 'print one block per group of clients with identical output and status')
  .option('-q, --quiet', 'print only the status lines')
  .option('--stdin <file>', 'send this file to every client\'s standard input ("-" for the director\'s; default: piped stdin)')
  .option('--no-stdin', 'do not read piped standard input')
  .action(act(() => import('../src/cli/actions/run.js'), (cmd) => ({ opts: cmd.opts(), operands: cmd.args, argv: process.argv }), always));

program
  .command('exec')
  .description('run a command (your own shell code) on every client, with run\'s output, time limit and exit status')
  .argument('<command...>', 'the command words, after "--"; joined by spaces as ssh does')
  .option('--output <dir>', 'keep the per-client files under <dir>/exec/<run id>/')
  .option('--keep-remote', 'leave the remote temporary folder in place')
  .option('--inline', "print each client's whole output as one block when it finishes")
  .option('--fold', 'print one block per group of clients with identical output and status')
  .option('-q, --quiet', 'print only the status lines')
  .option('--stdin <file>', 'send this file to every client\'s standard input ("-" for the director\'s; default: piped stdin)')
  .option('--no-stdin', 'do not read piped standard input')
  .action(act(() => import('../src/cli/actions/exec.js'), (cmd) => ({ opts: cmd.opts(), operands: cmd.args, argv: process.argv }), always));

program
  .command('shell')
  .description('connect once, then run each line typed (or piped) on every connected client; :help lists the rest')
  .option('--inline', "print each client's whole output as one block when it finishes (:inline)")
  .option('--fold', 'print one block per group of clients with identical output and status (:fold)')
  .action(act(() => import('../src/cli/actions/shell.js'), (cmd) => cmd.opts()));

program
  .command('connect')
  .description('start a keeper: one logged-in connection per client, kept for the next commands with these clients and settings')
  .option('--persist <time>', 'leave after this long without a command (600, 10m, 1h30m, forever)', '10m')
  .addOption(new Option('--serve').hideHelp())
  .action(act(() => import('../src/cli/actions/connect.js'), (cmd) => ({ ...cmd.opts(), program: cmd.parent! }), (cmd) => cmd.opts()['serve'] !== true));

program
  .command('disconnect')
  .description('stop the keeper of these clients and settings, closing its connections')
  .option('--all', "stop every keeper of this user")
  .action(act(() => import('../src/cli/actions/disconnect.js'), (cmd) => cmd.opts()));

/** Options map and jobs run share. */
function taskOptions(cmd: Command): Command {
  return cmd
    .option('-j, --slots <n>', 'tasks at once per client (default: its core count; at most 8 over its one connection)')
    .option('--retries <n>', 'run a task again after a non-zero exit or timeout, up to n times (default 0)')
    .option('--lost-retries <n>', 'run a task again elsewhere when its client is lost, up to n times (default 1)')
    .option('--output <dir>', 'root of the output folders', 'output')
    .option('--remote-root <path>', "remote folder for projects (default: the placement record's, else ~/director/data)")
    .option('--reduce <command>', "after the tasks, run <command> here with every task's stdout, in task order, on its stdin")
    .option('--reduce-files', "give the reduce command the files the tasks left in DIRECTOR_OUTPUT_DIR as arguments instead");
}

taskOptions(
  program
    .command('map')
    .description('one task per data file of a project, each on a client that holds the file: <script> <file> with DIRECTOR_FILE')
    .argument('<script>', 'local script: run by its shebang, else /bin/sh; uploaded once per client')
    .argument('<project>', 'the project data placed; tasks run in its folder')
    .argument('[args...]', 'arguments for the script, after "--", before the file'),
).action(act(() => import('../src/cli/actions/map.js'), (cmd) => ({ opts: cmd.opts(), operands: cmd.args, argv: process.argv }), always));

const jobs = program.command('jobs').description('task queues over the clients: run a job file, resume a run, show runs');
taskOptions(
  jobs
    .command('run')
    .description('run a file of tasks, one a line: a command line, or JSON {cmd, args, stdin, timeout, priority, data, retries, id}')
    .argument('<jobfile>', 'the tasks')
    .option('--project <name>', 'tasks run in this project\'s folder; their "data" names its files'),
).action(act(() => import('../src/cli/actions/jobs-run.js'), (cmd, [jobFile]) => ({ jobFile: jobFile ?? '', opts: cmd.opts() }), always));
jobs
  .command('resume')
  .description('run what a run left undone (after Ctrl-C, a crash or kill -9): tasks not recorded done')
  .argument('<run>', 'the run id (director jobs status lists them)')
  .option('--failed', 'run the failed tasks again too')
  .action(act(() => import('../src/cli/actions/jobs-resume.js'), (cmd, [runId]) => ({ runId: runId ?? '', failed: cmd.opts()['failed'] as boolean | undefined }), always));
jobs
  .command('status')
  .description('the runs in .director/jobs, or one run: counts and its failed tasks')
  .argument('[run]', 'a run id')
  .action(act(() => import('../src/cli/actions/jobs-status.js'), (_cmd, [runId]) => (runId !== undefined ? { runId } : {})));

program
  .command('hosts')
  .description('a node set, or the clients -w/-g/-x select: expanded one per line (-e, the default), counted (-c) or folded (-f), as ClusterShell\'s nodeset')
  .argument('[set]', 'a node set (node[1-4,7], r[1-2]n[1-4], @group, a!b…); default: the selected clients')
  .option('-e, --expand', 'one name per line')
  .option('-c, --count', 'how many names')
  .option('-f, --fold', 'folded into ranges: node[1-4,7]')
  .action(act(() => import('../src/cli/actions/hosts.js'), (cmd, [set]) => ({ ...cmd.opts(), set })));

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

program
  .command('completion')
  .description('print a completion script for bash, zsh or fish (commands, options, groups, hosts and projects)')
  .argument('[shell]', 'bash, zsh or fish')
  .addOption(new Option('--values <kind>', 'names for a script: group, host or project').hideHelp())
  .allowExcessArguments()
  .action(
    act(
      () => import('../src/cli/actions/completion.js'),
      (cmd) => {
        const values = (cmd.opts() as { values?: string }).values;
        return { shell: values === undefined ? cmd.args[0] : undefined, values, words: values === undefined ? [] : cmd.args, program: cmd.parent as Command };
      },
    ),
  );

// Parse errors name the command's own help, and an option given before its command says so.
// In a keeper, commander prints nothing: what it would say is the caller's to print.
const explainErrors = (cmd: Command): void => {
  const explain = usageErrorOutput(cmd);
  cmd.configureOutput({
    outputError: (text, write) => (serving() ? undefined : explain(text, write)),
    writeOut: (text) => (serving() ? undefined : process.stdout.write(text)),
    writeErr: (text) => (serving() ? undefined : process.stderr.write(text)),
  });
  cmd.commands.forEach(explainErrors);
};
explainErrors(program);

const valueFlags = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined)));
await program.parseAsync(hostsCountFlag(process.argv.slice(2), valueFlags), { from: 'user' });
