// Messages between `data`'s main thread and its file reader thread.
export type ReaderRequest =
  | { kind: 'open'; id: number; path: string; chunk: number; window: number }
  | { kind: 'ack'; id: number };

export type ReaderReply =
  | { id: number; kind: 'size'; size: number }
  | { id: number; kind: 'chunk'; data: Uint8Array }
  | { id: number; kind: 'end'; md5: string; bytes: number }
  | { id: number; kind: 'error'; code: string };
