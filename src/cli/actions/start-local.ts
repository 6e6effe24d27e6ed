import { startLocal } from '../../commands/start-local.js';
import { stateFileIn } from '../../local/state.js';
import { renderLocalLog, renderStartLocal, renderStops } from '../../output/local.js';
import type { ActionContext } from '../context.js';

export default async function startLocalAction(opts: { foreground?: boolean }, ctx: ActionContext): Promise<number> {
  const p = ctx.p;
  const ports = ctx.ports();
  const foreground = opts.foreground === true;
  // Under --foreground, SIGTERM stops the services in order too, as Ctrl-C does.
  const stop = new AbortController();
  const onTerm = () => stop.abort();
  if (foreground) process.once('SIGTERM', onTerm);
  ctx.signal.addEventListener('abort', onTerm, { once: true });
  try {
    const result = await startLocal(
      { ports, stateFile: stateFileIn(process.cwd()), foreground },
      {
        signal: stop.signal,
        onStarted: (r) => {
          renderStartLocal(r, p);
          if (foreground && r.services.some((s) => s.outcome === 'started')) p.note('Serving; Ctrl-C stops every service started here.');
        },
        onLog: (port, text) => renderLocalLog(port, text, p),
      },
    );
    if (result.stopped) renderStops(result.stopped, p);
    return result.exitCode;
  } finally {
    process.off('SIGTERM', onTerm);
    ctx.signal.removeEventListener('abort', onTerm);
  }
}
