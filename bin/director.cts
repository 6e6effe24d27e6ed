#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=4
// The entry: a keeper of this user (director connect) is offered the command line first, and
// only if none takes it is the commander program loaded (bin/program.ts). The keeper path
// loads no commander and no ssh2, and it is CommonJS, as are the few modules it needs
// (src/keeper/client, frames, place; exit-codes): Node's ES module loader, ~10 ms of a warm
// command's start, is started only for the program.
// (The shebang drops NODE_EXTRA_CA_CERTS: director makes no TLS connections, and Node would
// otherwise parse that CA bundle at every start, ~40 ms here. It also keeps V8's young
// generation small, 4 MB semi-spaces instead of 16: a jobs run with 100 000 tasks queued peaks
// at 119 MB instead of 147, data of 100 000 files at 200 MB instead of 222, for a few percent
// more CPU in the scavenger; it can only be set at start.)
import { viaKeeper } from '../src/keeper/client.cjs';

void viaKeeper(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code;
  else return import('./program.js');
});
