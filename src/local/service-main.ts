// The process of one local echo service: `node service-main.js <port> [--log] [--idle-ms <ms>]`.
// Its command line names this module and the port, which is how shutdown knows a pid is ours.
import { createService } from './service.js';
import { SERVICE_EXIT } from './service-process.js';

const DEFAULT_IDLE_MS = 60_000;

function main(argv: string[]): void {
  const [portText, ...rest] = argv;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`bad port "${portText ?? ''}"`, SERVICE_EXIT.failed);
  const log = rest.includes('--log');
  const idleAt = rest.indexOf('--idle-ms');
  const idleMs = idleAt === -1 ? DEFAULT_IDLE_MS : Number(rest[idleAt + 1]);
  if (!(idleMs > 0)) fail('bad --idle-ms', SERVICE_EXIT.failed);

  // The foreground supervisor reading our log may vanish; losing the log must not kill us.
  process.stdout.on('error', () => undefined);
  const service = createService({
    port,
    idleMs,
    ...(log ? { log: (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) } : {}),
    onShutdown: () => process.exit(0),
  });
  const stop = () => {
    service.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  service.listen().catch((e: NodeJS.ErrnoException) => {
    const code = e.code === 'EADDRINUSE' ? SERVICE_EXIT.inUse : e.code === 'EACCES' ? SERVICE_EXIT.denied : SERVICE_EXIT.failed;
    fail(e.message, code);
  });
}

function fail(message: string, code: number): never {
  process.stderr.write(`director local service: ${message}\n`);
  process.exit(code);
}

main(process.argv.slice(2));
