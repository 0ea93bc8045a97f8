/** An inventory maps the book's host names to machines the transports can reach. */

export interface HostAddress {
  /** The book's name for the host, such as `controller-0`. */
  host: string;
  /** IP address or DNS name to connect to. */
  address: string;
  port?: number;
  user?: string;
  /** Private key file. */
  identity?: string;
  /** For GCE: the instance's name, id and zone, for gcloud and known_hosts. */
  instance?: { name: string; id: string; zone: string; project: string };
}

export interface Inventory {
  /** Where `host` is; rejects with a message that says what to do when it is nowhere. */
  resolve(host: string): Promise<HostAddress>;
  /** For messages: "hosts.yaml" or "GCE project p, zone z". */
  describe(): string;
  /** The hosts exist before the run (a hosts file), so connecting early is safe. */
  knownUpFront: boolean;
}

export class InventoryError extends Error {
  override name = 'InventoryError';
}
