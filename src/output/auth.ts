// -v: each step of each login, one line on stderr: what was offered and what the server said.
// The events carry paths and fingerprints only (ssh/auth-attempts.ts): never key material.
import type { AuthEvent } from '../ssh/auth-attempts.js';

export function describeAuthEvent(host: string, e: AuthEvent): string {
  switch (e.step) {
    case 'plan': {
      const offers = e.offers.length > 0 ? `will offer ${e.offers.join(', ')}` : 'no key to offer';
      const skipped = e.skipped.map((s) => `; not offered: ${s.label} (${s.why})`).join('');
      return `${host}: auth: ${offers}${skipped}`;
    }
    case 'methods':
      return `${host}: auth: the server takes ${e.methods.join(', ') || 'nothing'}`;
    case 'offer':
      return `${host}: auth: offering ${e.what}`;
    case 'refused':
      return `${host}: auth: refused ${e.what}${e.why !== undefined ? ` (${e.why})` : ''}`;
    case 'accepted':
      return `${host}: auth: accepted ${e.what}`;
  }
}
