// Messages between `data`'s main thread and its file reader thread.
export type ReaderRequest =
  | { kind: 'open'; id: number; path: string; chunk: number; window: number }
  | { kind: 'ack'; id: number };

export type ReaderReply =
  /** `stamp` (local-removal.ts) and mtime are taken from the open file before its first byte is read. */
  | { id: number; kind: 'size'; size: number; mtimeMs: number; stamp: string }
  | { id: number; kind: 'chunk'; data: Uint8Array }
  /** `changed`: the file's stamp at the end of the read differs from the one at open (the bytes may be a mix). */
  | { id: number; kind: 'end'; md5: string; bytes: number; changed: boolean }
  | { id: number; kind: 'error'; code: string };
