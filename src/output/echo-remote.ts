// Rendering of the echo service on the clients: director start, director shutdown, and
// director ping --remote (`Client <client> port <port>: <reply> (<time>)`, or DOWN with why).
import type { EchoStartResult, EchoStartValue } from '../commands/echo-start.js';
import type { PingRemoteOutcome } from '../commands/ping-remote.js';
import type { ServiceStopResult } from '../commands/service-stop.js';
import { pingAnswer, pingJson } from './local.js';
import type { Printer } from './printer.js';
import { envelope, judgedResultJson } from './envelope.js';
import { failureText, summaryLine } from './results.js';
import { renderServiceStop, startText } from './service.js';

export function echoStartText(v: EchoStartValue): { ok: boolean; text: string } {
  const s = startText('echo', v.answer);
  const where = v.ports.map((x) => x.at).join(', ');
  if (!s.ok && v.answer.outcome !== 'already-running') return s;
  const bad = v.ports.filter((x) => x.state !== 'listening');
  const pid = v.answer.outcome === 'started' || v.answer.outcome === 'already-running' ? v.answer.pid : undefined;
  const head = v.answer.outcome === 'started' ? `echo service started (${v.interpreter}, pid ${pid})` : s.text;
  if (bad.length > 0) {
    const why = bad.map((x) => `${x.port} ${x.state === 'taken' ? 'held by another process' : 'not listening'}`).join(', ');
    return { ok: false, text: `${head}, but port ${why} (see director service logs echo)` };
  }
  return { ok: s.ok, text: s.ok ? `${head} on ${where}` : head };
}

export function renderEchoStart(r: EchoStartResult, p: Printer): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (v) => {
        const t = echoStartText(v);
        return { ok: t.ok, state: v.answer.outcome, message: t.text, fields: { ...v } };
      }),
    );
    p.document(envelope('start', r.exitCode, clients, { service: 'echo', interrupted: r.interrupted }));
  } else {
    for (const x of r.results) {
      if (!x.ok) {
        p.line(`Client ${x.client.name}: ${failureText(x.error, p)}`);
        continue;
      }
      const s = echoStartText(x.value);
      p.line(`Client ${x.client.name}: ${s.ok ? p.c.green(s.text) : p.c.red(s.text)}`);
    }
    p.line(
      summaryLine(
        r.results.map((x) => (x.ok ? { client: x.client, ok: echoStartText(x.value).ok } : { client: x.client, ok: false, error: x.error })),
        p,
      ),
    );
  }
  if (r.interrupted) {
    const started = r.results.filter((x) => x.ok && x.value.answer.outcome === 'started').length;
    p.note(`interrupted: the echo service was started on ${started} client${started === 1 ? '' : 's'} (director shutdown stops it); clients not reached are listed above`);
  }
}

export function renderEchoShutdown(r: ServiceStopResult, p: Printer): void {
  renderServiceStop(r, p);
}

export function renderPingRemote(r: PingRemoteOutcome, p: Printer): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (v) => {
        const ok = v.ports.every((port) => port.ok);
        return { ok, state: ok ? 'up' : 'down', message: 'a port did not answer', fields: { address: v.address, ports: v.ports.map((port) => pingJson(port, v.address)) } };
      }),
    );
    p.document(envelope('ping --remote', r.exitCode, clients, { count: r.count }));
    return;
  }
  for (const x of r.results) {
    if (!x.ok) p.line(`Client ${x.client.name}: ${p.c.red(`DOWN (${x.error.kind}: ${x.error.message})`)}`);
    else for (const port of x.value.ports) p.line(`Client ${x.client.name} port ${port.port}: ${pingAnswer(port, r.count, p)}`);
  }
}
