/** Reaches every host a run needs: the workstation always, other hosts through an inventory. */
import type { Book } from '../book/types.js';
import { WORKSTATION } from '../book/types.js';
import type { Arguments } from '../cli/parse-arguments.js';
import type { StateStore } from '../state/state-store.js';
import { PreflightError } from './preflight.js';
import type { Transport } from './transport.js';
import { createLocalTransport } from './transports/local.js';
import type { Variables } from './variables.js';

export interface ConnectOptions {
  args: Arguments;
  book: Book;
  /** The hosts the plan runs steps on, the workstation left out. */
  hosts: string[];
  variables: Variables;
  store: StateStore;
  signal: AbortSignal;
}

export interface Connections {
  transportFor(host: string): Transport;
  close(): Promise<void>;
}

export async function connectHosts(options: ConnectOptions): Promise<Connections> {
  const local = createLocalTransport({ cwd: options.store.workDir });
  if (options.hosts.length > 0) {
    throw new PreflightError(`Steps run on ${options.hosts.join(', ')}, and this runner cannot reach hosts yet.`);
  }
  return {
    transportFor(host) {
      if (host === WORKSTATION) return local;
      throw new Error(`No transport for ${host}`);
    },
    async close() {
      await local.close();
    },
  };
}
