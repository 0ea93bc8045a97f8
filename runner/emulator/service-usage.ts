/** The Service Usage v1 calls of chapter 2: enable a service, list the enabled ones, get one. */
import { ApiError, notFound } from './errors.js';
import type { Request, Response } from './compute-api.js';
import type { ProjectRecord } from './store.js';

const SERVICE = /^[a-z][a-z0-9.-]*\.googleapis\.com$/;

export function handleServiceUsage(request: Request, project: (id: string) => ProjectRecord): Response {
  try {
    return { status: 200, body: route(request, project) };
  } catch (error) {
    if (error instanceof ApiError) return { status: error.code, body: error.toJSON() };
    throw error;
  }
}

function route({ method, path, query }: Request, projectOf: (id: string) => ProjectRecord): unknown {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'operations' && parts[1] && method === 'GET') return { name: `operations/${parts[1]}`, done: true };
  if (parts[0] !== 'projects' || !parts[1] || parts[2]?.split(':')[0] !== 'services') throw notFound(path);
  const project = projectOf(parts[1]);
  const [, serviceVerb] = [parts[2], parts[3]];
  if (!serviceVerb && method === 'GET') {
    // Only enabled services are recorded, so `state:ENABLED` and no filter list the same.
    if (query.get('filter') && !/^state\s*:\s*ENABLED$/i.test(query.get('filter')!)) {
      throw new ApiError(400, 'invalid', `The emulator filters services by state:ENABLED only, not ${query.get('filter')}`);
    }
    return { services: project.services.map((name) => describe(project, name, 'ENABLED')) };
  }
  const [name, verb] = (serviceVerb ?? '').split(':') as [string, string | undefined];
  if (!SERVICE.test(name)) {
    throw new ApiError(400, 'invalid', `Service ${name} is not a service name (something.googleapis.com)`);
  }
  if (!verb && method === 'GET') return describe(project, name, project.services.includes(name) ? 'ENABLED' : 'DISABLED');
  if (verb === 'enable' && method === 'POST') {
    if (!project.services.includes(name)) project.services.push(name);
    return operation(project, name, 'ENABLED');
  }
  if (verb === 'disable' && method === 'POST') {
    project.services = project.services.filter((service) => service !== name);
    return operation(project, name, 'DISABLED');
  }
  throw notFound(path);
}

function describe(project: ProjectRecord, name: string, state: 'ENABLED' | 'DISABLED') {
  return {
    name: `projects/${project.number}/services/${name}`,
    parent: `projects/${project.number}`,
    config: { name, title: name.split('.')[0] },
    state,
  };
}

function operation(project: ProjectRecord, name: string, state: 'ENABLED' | 'DISABLED') {
  return {
    name: `operations/noop.DONE_OPERATION`,
    done: true,
    response: {
      '@type': `type.googleapis.com/google.api.serviceusage.v1.${state === 'ENABLED' ? 'Enable' : 'Disable'}ServiceResponse`,
      service: describe(project, name, state),
    },
  };
}
