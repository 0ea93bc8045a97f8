/**
 * The emulator's HTTP server (Node's http module): `/compute/v1/...`, `/batch/compute/v1` and
 * `/serviceusage/v1/...` on a loopback address, and `GET /` naming itself so `lab rehearse` can
 * tell a lab emulator from anything else listening there.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { claimAddressBlock } from './address-block.js';
import { formatBatch, parseBatch } from './batch.js';
import { ComputeApi, type InstanceHooks, type Response } from './compute-api.js';
import { ApiError } from './errors.js';
import { handleIam, handleResourceManager } from './iam.js';
import { handleServiceUsage } from './service-usage.js';
import { emptyState, loadState, saveState, type State } from './store.js';

export const EMULATOR_NAME = 'lab-gce-emulator';
export const COMPUTE_ROOT = '/compute/v1/';
export const SERVICE_USAGE_ROOT = '/serviceusage/';
export const IAM_ROOT = '/iam/';
export const RESOURCE_MANAGER_ROOT = '/cloudresourcemanager/';

export interface EmulatorOptions {
  host?: string;
  /** 0 (the default) asks the kernel for a free port. */
  port?: number;
  /** Keep the state in this file: loaded at start, written after every change. */
  stateFile?: string;
  hooks?: InstanceHooks;
  /** The clock (tests move it to expire instances). */
  now?: () => Date;
  /** Every request, for logs and tests. */
  onRequest?: (method: string, url: string, status: number) => void;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  api: ComputeApi;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  let state: State = emptyState('');
  const block = claimAddressBlock();
  let api = new ComputeApi(state, options.hooks, options.now, block.prefix);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let answer: { status: number; body: string; type: string };
      try {
        answer = serve(request.method ?? 'GET', request.url ?? '/', request.headers['content-type'], body);
      } catch (error) {
        const failure = error instanceof ApiError ? error : new ApiError(500, 'badRequest', `Emulator error: ${(error as Error).message}`);
        answer = { status: failure.code, body: JSON.stringify(failure.toJSON()), type: 'application/json; charset=UTF-8' };
      }
      if (options.stateFile && request.method !== 'GET') saveState(options.stateFile, state);
      options.onRequest?.(request.method ?? 'GET', request.url ?? '/', answer.status);
      response.writeHead(answer.status, { 'content-type': answer.type });
      response.end(answer.body);
    });
  });
  const serve = (method: string, url: string, contentType: string | undefined, body: string) => {
    const parsed = new URL(url, 'http://emulator');
    const json = (result: Response) => ({
      status: result.status,
      body: JSON.stringify(result.body),
      type: 'application/json; charset=UTF-8',
    });
    if (parsed.pathname === '/' && method === 'GET') return json({ status: 200, body: { name: EMULATOR_NAME, compute: `${api.base}` } });
    if (parsed.pathname === '/batch/compute/v1' && method === 'POST') {
      const parts = parseBatch(contentType, body);
      const answers = parts.map((part) => {
        const result = one(part.method, part.target, part.body);
        return { contentId: part.contentId, status: result.status, body: result.body };
      });
      const boundary = `batch_${Date.now().toString(36)}`;
      return { status: 200, body: formatBatch(boundary, answers), type: `multipart/mixed; boundary=${boundary}` };
    }
    return json(one(method, url, body));
  };
  const one = (method: string, url: string, body: string): Response => {
    const parsed = new URL(url, 'http://emulator');
    let input: unknown;
    try {
      input = body.trim() ? JSON.parse(body) : undefined;
    } catch {
      return { status: 400, body: new ApiError(400, 'badRequest', 'Invalid JSON payload received.').toJSON() };
    }
    const request = { method, query: parsed.searchParams, body: input };
    if (parsed.pathname.startsWith(COMPUTE_ROOT)) return api.handle({ ...request, path: parsed.pathname.slice(COMPUTE_ROOT.length) });
    if (parsed.pathname.startsWith(`${SERVICE_USAGE_ROOT}v1/`)) {
      return handleServiceUsage({ ...request, path: parsed.pathname.slice(SERVICE_USAGE_ROOT.length + 3) }, (id) => api.project(id));
    }
    if (parsed.pathname.startsWith(`${IAM_ROOT}v1/`))
      return handleIam({ ...request, path: parsed.pathname.slice(IAM_ROOT.length + 3) }, state);
    if (parsed.pathname.startsWith(`${RESOURCE_MANAGER_ROOT}v1/`)) {
      return handleResourceManager({ ...request, path: parsed.pathname.slice(RESOURCE_MANAGER_ROOT.length + 3) }, state);
    }
    return { status: 404, body: new ApiError(404, 'notFound', `Not found: ${parsed.pathname}`).toJSON() };
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    block.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  try {
    state = options.stateFile ? loadState(options.stateFile, `${url}${COMPUTE_ROOT}`) : emptyState(`${url}${COMPUTE_ROOT}`);
  } catch (error) {
    server.close();
    block.release();
    throw error;
  }
  api = new ComputeApi(state, options.hooks, options.now, block.prefix);
  return {
    url,
    get api() {
      return api;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          block.release();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
