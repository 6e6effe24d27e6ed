// Writing live output to a terminal or pipe without letting it pile up in memory: a write
// that the stream could not take at once hands back one shared promise of its 'drain'.
export class Outlet {
  private drain: Promise<void> | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(chunk: Buffer | string): Promise<void> | undefined {
    if (this.stream.write(chunk)) return this.drain;
    this.drain ??= new Promise<void>((resolve) => {
      const done = () => {
        this.stream.removeListener('drain', done);
        this.stream.removeListener('error', done);
        this.drain = undefined;
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
    return this.drain;
  }
}
