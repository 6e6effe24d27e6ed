// The library API of @director-cli/director (docs/library.md): open a Fleet, call the same
// command functions the CLI calls, and get the same results it prints (as objects; the JSON
// envelope of --json is built by `envelope`/`clientJson`).
export { openFleet, clientsOf, type FleetSettings } from './library.js';
export { Fleet, type HostResult } from './ssh/fleet.js';
export { HostError, type HostErrorKind } from './ssh/host-error.js';
export type { Client } from './config/client.js';
export type { Selection } from './config/select.js';
export { loadClients } from './config/load.js';
export { ConfigError, UsageError } from './config/errors.js';
export { EXIT, Interrupt } from './exit-codes.cjs';

export { exec, type ExecCommandOptions } from './commands/exec.js';
export { run, type RunOptions } from './commands/run.js';
export type { RunOutcome, HostRun, HostState, RunEvents, StreamName, StreamStats, FilesStats } from './run/types.js';

export { data, planData, listPlacement, type DataOptions, type DataPlan, type DataResult, type DataEvent, type ClientOutcome, type ClientPlan } from './commands/data.js';
export type { FileStatus, FileJob, FailKind } from './transfer/types.js';
export type { PlacementRecord } from './transfer/placement-record.js';

export { status, type StatusOptions, type StatusResult, type ClientStatus } from './commands/status.js';
export { mkdir, type MkdirOptions, type MkdirResult } from './commands/mkdir.js';
export { copy, type CopyOptions, type CopyResult } from './commands/copy.js';
export { sync, type SyncOptions, type SyncResult } from './commands/sync.js';
export { gather, type GatherOptions, type GatherResult, type GatherOutcome } from './commands/gather.js';
export type { PushEvent, PushOutcome, PushResult } from './transfer/push-fleet.js';
export type { PushStatus } from './transfer/push-client.js';
export type { PullStatus } from './transfer/pull-client.js';

export { envelope, clientJson, hostResultJson, SCHEMA_VERSION, type Envelope, type ClientJson, type ErrorJson } from './output/envelope.js';
