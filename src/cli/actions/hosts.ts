import { hosts, type HostsOptions } from '../../commands/hosts.js';
import { renderHosts } from '../../output/hosts.js';
import { selectionOf, type ActionContext } from '../context.js';

export default async function hostsAction(opts: HostsOptions, ctx: ActionContext): Promise<number> {
  const result = hosts(opts, { selection: selectionOf(ctx.g), clients: () => ctx.clients(), allClients: () => ctx.allClients(), source: ctx.g.clients });
  renderHosts(result, ctx.p);
  return result.exitCode;
}
