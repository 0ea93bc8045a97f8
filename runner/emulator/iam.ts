/**
 * The IAM v1 and Cloud Resource Manager v1 calls the book's identity steps make: service
 * accounts (create, get, list, delete, their IAM policy), custom roles (create, get, list,
 * patch, delete as GCE does it, a soft delete, and undelete), testable permissions, and the
 * project's IAM policy. Policies carry an etag: a stale one is 409 ABORTED, as IAM answers
 * concurrent changes; a binding for a service account of the project that does not exist is 400.
 */
import crypto from 'node:crypto';
import { ApiError, notFound } from './errors.js';
import type { Request, Response } from './compute-api.js';
import type { State } from './store.js';

interface Policy {
  version: number;
  etag: string;
  bindings: { role: string; members: string[]; condition?: unknown }[];
}

interface ServiceAccount {
  name: string;
  projectId: string;
  uniqueId: string;
  email: string;
  displayName?: string;
  description?: string;
  etag: string;
  oauth2ClientId: string;
}

interface Role {
  name: string;
  title?: string;
  description?: string;
  includedPermissions: string[];
  stage: string;
  etag: string;
  deleted?: boolean;
}

export interface IamState {
  accounts: Record<string, ServiceAccount>;
  accountPolicies: Record<string, Policy>;
  roles: Record<string, Role>;
  policy: Policy;
}

/** The permissions `queryTestablePermissions` lists: those the book's custom role holds, and kin. */
const TESTABLE = [
  'compute.instances.get',
  'compute.instances.attachDisk',
  'compute.instances.detachDisk',
  'compute.instances.use',
  'compute.disks.use',
  'compute.disks.get',
];

const etag = () => `${crypto.randomBytes(8).toString('base64url')}=`;
const emptyPolicy = (): Policy => ({ version: 1, etag: 'ACAB', bindings: [] });

export function iamOf(state: State, project: string): IamState {
  state.iam ??= {};
  return (state.iam[project] ??= { accounts: {}, accountPolicies: {}, roles: {}, policy: emptyPolicy() });
}

export function handleIam(request: Request, state: State): Response {
  return answer(() => routeIam(request, state));
}

export function handleResourceManager(request: Request, state: State): Response {
  return answer(() => {
    const match = /^projects\/([^/:]+):(getIamPolicy|setIamPolicy)$/.exec(request.path);
    if (!match || request.method !== 'POST') throw notFound(request.path);
    const iam = iamOf(state, match[1]!);
    if (match[2] === 'getIamPolicy') return iam.policy;
    iam.policy = setPolicy(iam.policy, request.body, (email) => accountExists(state, email));
    return iam.policy;
  });
}

function answer(run: () => unknown): Response {
  try {
    return { status: 200, body: run() };
  } catch (error) {
    if (error instanceof ApiError) return { status: error.code, body: error.toJSON() };
    throw error;
  }
}

function routeIam({ method, path, query, body }: Request, state: State): unknown {
  if (path === 'permissions:queryTestablePermissions' && method === 'POST') {
    return { permissions: TESTABLE.map((name) => ({ name, stage: 'GA', customRolesSupportLevel: 'SUPPORTED' })) };
  }
  const parts = path.split('/').map(decodeURIComponent);
  if (parts[0] !== 'projects' || !parts[1]) throw notFound(path);
  const input = (body ?? {}) as Record<string, unknown>;
  if (parts[2] === 'serviceAccounts') {
    if (parts.length === 3) {
      const iam = iamOf(state, parts[1]);
      if (method === 'GET') return { accounts: Object.values(iam.accounts) };
      if (method === 'POST') return createAccount(iam, parts[1], input);
    }
    const [email, verb] = (parts[3] ?? '').split(':') as [string, string | undefined];
    const project = parts[1] === '-' ? (email.split('@')[1]?.split('.')[0] ?? '') : parts[1];
    const iam = iamOf(state, project);
    const account = iam.accounts[email];
    if (!account) throw new ApiError(404, 'notFound', `Unknown service account`);
    if (!verb && method === 'GET') return account;
    if (!verb && method === 'DELETE') {
      delete iam.accounts[email];
      delete iam.accountPolicies[email];
      return {};
    }
    if (verb === 'getIamPolicy') return iam.accountPolicies[email] ?? emptyPolicy();
    if (verb === 'setIamPolicy') {
      iam.accountPolicies[email] = setPolicy(iam.accountPolicies[email] ?? emptyPolicy(), input, (member) => accountExists(state, member));
      return iam.accountPolicies[email];
    }
    throw notFound(path);
  }
  if (parts[2] === 'roles') {
    const iam = iamOf(state, parts[1]);
    if (parts.length === 3) {
      if (method === 'GET')
        return { roles: Object.values(iam.roles).filter((role) => query.get('showDeleted') === 'True' || !role.deleted) };
      if (method === 'POST') return createRole(iam, parts[1], input);
    }
    const [id, verb] = (parts[3] ?? '').split(':') as [string, string | undefined];
    const role = iam.roles[id];
    if (!role) throw new ApiError(404, 'notFound', `The role named projects/${parts[1]}/roles/${id} was not found.`);
    if (!verb && method === 'GET') return role;
    if (!verb && method === 'DELETE') {
      if (role.deleted)
        throw new ApiError(400, 'badRequest', `You can't delete role_id (projects/${parts[1]}/roles/${id}) as it is already deleted.`);
      Object.assign(role, { deleted: true, etag: etag() });
      return role;
    }
    if (verb === 'undelete' && method === 'POST') {
      if (!role.deleted)
        throw new ApiError(400, 'badRequest', `You can't undelete role_id (projects/${parts[1]}/roles/${id}) as it is not deleted.`);
      delete role.deleted;
      role.etag = etag();
      return role;
    }
    if (!verb && method === 'PATCH') {
      if (role.deleted)
        throw new ApiError(400, 'badRequest', `You can't update role_id (projects/${parts[1]}/roles/${id}) as it is deleted.`);
      const mask = (query.get('updateMask') ?? 'title,description,includedPermissions,stage').split(',');
      for (const field of mask) if (field in input) (role as unknown as Record<string, unknown>)[field] = input[field];
      role.etag = etag();
      return role;
    }
  }
  throw notFound(path);
}

function createAccount(iam: IamState, project: string, input: Record<string, unknown>): ServiceAccount {
  const id = String(input.accountId ?? '');
  if (!/^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/.test(id)) {
    throw new ApiError(
      400,
      'invalid',
      `Invalid account ID: ${id}. It must be 6-30 lowercase letters, digits or hyphens, starting with a letter.`,
    );
  }
  const email = `${id}@${project}.iam.gserviceaccount.com`;
  if (iam.accounts[email])
    throw new ApiError(409, 'alreadyExists', `Service account ${id} already exists within project projects/${project}.`);
  const details = (input.serviceAccount ?? {}) as { displayName?: string; description?: string };
  const uniqueId = String(100000000000000000000n + BigInt(crypto.randomBytes(6).readUIntBE(0, 6)));
  return (iam.accounts[email] = {
    name: `projects/${project}/serviceAccounts/${email}`,
    projectId: project,
    uniqueId,
    email,
    ...(details.displayName ? { displayName: details.displayName } : {}),
    ...(details.description ? { description: details.description } : {}),
    etag: etag(),
    oauth2ClientId: uniqueId,
  });
}

function createRole(iam: IamState, project: string, input: Record<string, unknown>): Role {
  const id = String(input.roleId ?? '');
  if (!/^[a-zA-Z0-9_.]{3,64}$/.test(id))
    throw new ApiError(400, 'invalid', `The role_id (${id}) is invalid: use letters, digits, _ and ., 3 to 64 of them.`);
  if (iam.roles[id]) {
    throw new ApiError(
      409,
      'alreadyExists',
      iam.roles[id]!.deleted
        ? `A role (projects/${project}/roles/${id}) with this ID was deleted; undelete it or use another ID.`
        : `A role (projects/${project}/roles/${id}) with this ID already exists.`,
    );
  }
  const role = (input.role ?? {}) as Partial<Role>;
  return (iam.roles[id] = {
    name: `projects/${project}/roles/${id}`,
    ...(role.title ? { title: role.title } : {}),
    ...(role.description ? { description: role.description } : {}),
    includedPermissions: role.includedPermissions ?? [],
    stage: role.stage ?? 'ALPHA',
    etag: etag(),
  });
}

function setPolicy(current: Policy, input: unknown, exists: (email: string) => boolean | undefined): Policy {
  const policy = ((input ?? {}) as { policy?: Partial<Policy> }).policy ?? {};
  if (policy.etag !== undefined && policy.etag !== current.etag) {
    throw new ApiError(
      409,
      'conditionNotMet',
      'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
    );
  }
  for (const binding of policy.bindings ?? []) {
    for (const member of binding.members) {
      const email = member.startsWith('serviceAccount:') ? member.slice('serviceAccount:'.length) : undefined;
      if (email && exists(email) === false) throw new ApiError(400, 'invalid', `Service account ${email} does not exist.`);
    }
  }
  return { version: policy.version ?? 1, etag: etag(), bindings: (policy.bindings ?? []).filter((binding) => binding.members.length > 0) };
}

/** Undefined for an account outside the emulated projects (a Google-managed one, say). */
function accountExists(state: State, email: string): boolean | undefined {
  const project = /^[^@]+@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
  if (!project || !state.iam?.[project]) return project ? false : undefined;
  return email in state.iam[project]!.accounts;
}

export { accountExists };
