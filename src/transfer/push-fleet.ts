// copy and sync over the Fleet: every selected client gets pushToClient (push-client.ts) over
// its own connection; the rendezvous groups those that need the same files so that each
// batch is read once for all of them (at most -p clients at once, as the Fleet allows).
import type { Client } from '../config/client.js';
import { EXIT, interruptedExit } from '../exit-codes.cjs';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { FileReader } from './file-reader.js';
import { localMd5 } from './local-md5.js';
import type { PushFile } from './local-sources.js';
import { foldersWritten, pushToClient, type Member, type PushClientResult, type PushSpec, type PushStatus } from './push-client.js';
import { Rendezvous } from './rendezvous.js';
import { SharedSend } from './shared-send.js';

export interface PushOutcome extends PushClientResult {
  client: Client;
  ms: number;
}

export interface PushResult {
  clients: PushOutcome[];
  interrupted: boolean;
  /** 0 when every client has every file (and, for --delete, nothing extraneous left). */
  exitCode: number;
}

export type PushEvent = { type: 'bytes'; n: number } | { type: 'file'; client: Client; status: PushStatus } | { type: 'client-done'; outcome: PushOutcome };

export async function pushToFleet(fleet: Fleet, spec: PushSpec, onEvent: (e: PushEvent) => void = () => undefined): Promise<PushResult> {
  const reader = new FileReader();
  const byRel = new Map(spec.files.map((f) => [f.rel, f]));
  const sums = new Map<PushFile, Promise<string>>();
  const signal = fleet.signal;
  const started = Date.now();
  const rendezvous = new Rendezvous<Member, SharedSend>(fleet.parallel, (members) => {
    const first = members[0] as Member;
    // Without --preserve a file gets the time it is written, as cp and scp give it.
    const now = new Date(started);
    return new SharedSend(
      members.map((m) => m.session),
      spec.base,
      first.jobs,
      reader,
      {
        localPath: (rel) => (byRel.get(rel) as PushFile).abs,
        header: (item, file) => ({ mode: first.modeOf(item.job.file as PushFile), mtime: spec.preserve ? new Date(file.mtimeMs) : now }),
        unpack: { exactMode: true, keepMtime: true, owner: spec.owner },
        signal,
        onBytes: (n) => onEvent({ type: 'bytes', n }),
      },
    );
  });
  const shared = {
    rendezvous,
    writesIn: foldersWritten(spec),
    signal,
    localMd5: (f: PushFile) => {
      let p = sums.get(f);
      if (p === undefined) {
        p = localMd5(f.abs);
        p.catch(() => undefined);
        sums.set(f, p);
      }
      return p;
    },
  };
  const toOutcome = (r: HostResult<PushClientResult>): PushOutcome =>
    r.ok
      ? { ...r.value, client: r.client, ms: r.ms }
      : {
          client: r.client,
          ms: r.ms,
          files: spec.files.map((f) => ({ rel: f.rel, status: 'failed', kind: r.error.kind === 'interrupted' ? 'interrupted' : 'unreachable', reason: r.error.message })),
          deleted: [],
          wouldDelete: [],
          deleteFailed: [],
          dirsFailed: [],
          error: r.error,
        };
  const results = await fleet.run((session, client) => pushToClient(session, client.name, spec, { ...shared, onFile: (status) => onEvent({ type: 'file', client, status }) }), {
    onStart: (c) => rendezvous.connecting(c.name),
    onConnected: (c) => rendezvous.connected(c.name),
    onDone: (r) => {
      rendezvous.done(r.client.name);
      onEvent({ type: 'client-done', outcome: toOutcome(r) });
    },
  });
  await reader.close();
  const clients = results.map(toOutcome);
  const interrupted = signal?.aborted === true;
  return { clients, interrupted, exitCode: interrupted ? interruptedExit(signal) : clients.every(clientOk) ? EXIT.ok : EXIT.failed };
}

/** A client succeeded when every file is there (or would be, in a dry run) and nothing it was to do failed. */
export function clientOk(o: PushClientResult): boolean {
  return o.error === undefined && o.deleteFailed.length === 0 && o.dirsFailed.length === 0 && o.files.every((f) => f.status !== 'failed');
}
