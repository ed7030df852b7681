/**
 * The sandbox's Kubernetes REST API over HTTP (Node's http module):
 * discovery, CRUD, patch, watch, subresources (status, scale, log,
 * eviction), metrics.k8s.io, Tables for kubectl, bearer tokens and RBAC.
 */
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import {
  createServer as createHttpsServer,
  Server as HttpsServer,
} from 'node:https';
import { AddressInfo, createServer as createNetServer, Socket } from 'node:net';
import { fromStorage } from './conversions';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  SERVER_VERSION,
} from './discovery';
import {
  ApiError,
  badRequest,
  failureStatus,
  forbidden,
  methodNotAllowed,
  successStatus,
  unauthorized,
} from './errors';
import { evictPod } from './eviction';
import {
  boolParam,
  intParam,
  JsonCache,
  parseJsonBody,
  readBody,
  readRawBody,
  sendError,
  sendJson,
  sendText,
} from './http';
import { applyPatchOfType, PATCH_CONTENT_TYPES, PatchType } from './patch';
import { servePodLog } from './podLogs';
import {
  forbiddenError,
  rbacAllows,
  RequestAttributes,
  TokenAuthenticator,
} from './rbac';
import { apiVersionOf, ResourceType } from './resources';
import { notFoundPath, parseApiPath, ResourceRoute } from './routes';
import { getScale, patchScale, updateScale } from './scale';
import { DeleteOptions, ObjectStore, PatchOptions } from './store';
import { toTable, toTableRow, columnsFor } from './tables';
import {
  Clock,
  KubeObject,
  LogProvider,
  MetricsProvider,
  UserInfo,
} from './types';
import { isPlainObject } from './util';
import { serveWatch, WatchLineCache } from './watchHttp';
import { serveMetricsApi } from './metricsApi';
import { Certificate, selfSignedCertificate } from './tls';
import { openApiV3GroupVersion, openApiV3Root } from './openapi';
import { decodeSelfSubjectAccessReview, isKubeProtobuf } from './protobuf';

export interface ApiServerOptions {
  store: ObjectStore;
  clock: Clock;
  /** Enforce RBAC for every token but the admin token. */
  rbac?: boolean;
  adminToken: string;
  logs?: LogProvider;
  metrics?: MetricsProvider;
  /** Prometheus text served at `GET /metrics` (no authentication). */
  exposition?: () => string;
  /** Wall-time interval between watch BOOKMARKs; default 10s. */
  bookmarkIntervalMs?: number;
  /** Watches without `timeoutSeconds` end after this; default 1800. */
  defaultWatchTimeoutSeconds?: number;
  /** Called with one line per request (method, path, status). */
  onRequest?: (line: string) => void;
  /**
   * Key and certificate for `https://` on the same port (kubectl sends
   * bearer tokens only over TLS). Default: a fresh self-signed one;
   * `false` serves plain HTTP only.
   */
  tls?: Certificate | false;
  /** The user for requests without credentials; default: 401. */
  anonymousUser?: UserInfo;
  /**
   * Serves `/sandbox/...` paths (the sandbox's own control API) for the
   * admin token only; other callers get 403.
   */
  sandboxHandler?: (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ) => Promise<void>;
}

export interface ListenResult {
  /** `http://host:port`: for @kubernetes/client-node, curl, Prometheus. */
  url: string;
  /** `https://host:port` (same port, self-signed): for kubectl. */
  httpsUrl?: string;
}

export interface ApiServer {
  listen(port?: number, host?: string): Promise<ListenResult>;
  close(): Promise<void>;
  /** The HTTP server that handles requests (plain and TLS connections). */
  readonly server: Server;
  readonly authenticator: TokenAuthenticator;
  /** A bearer token for `system:serviceaccount:<namespace>:<name>`. */
  issueServiceAccountToken(namespace: string, name: string): string;
  /** Ends every open watch from the server side (clients reconnect). */
  closeWatches(): void;
  /** Number of open HTTP watches. */
  readonly watchCount: number;
}

const OPEN_PATHS = new Set([
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  '/metrics',
]);

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

function verbOf(method: string, route: ResourceRoute, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return route.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const { store, clock } = options;
  const registry = store.registry;
  const authenticator = new TokenAuthenticator(options.adminToken);
  const json = new JsonCache();
  const lines = new WatchLineCache(json);
  const conversions = new Map<string, WeakMap<object, KubeObject>>();
  const watches = new Set<() => void>();
  let address = '127.0.0.1:0';

  const served = (t: ResourceType) =>
    t.virtual !== 'metrics' || options.metrics !== undefined;

  /** The stored object in the served version (cached per object). */
  const present = (obj: KubeObject, type: ResourceType): KubeObject => {
    if (obj.apiVersion === apiVersionOf(type) && obj.kind === type.kind) {
      return obj;
    }
    const key = `${apiVersionOf(type)}/${type.kind}`;
    let cache = conversions.get(key);
    if (!cache) conversions.set(key, (cache = new WeakMap()));
    let out = cache.get(obj);
    if (!out) {
      out = fromStorage(obj, type);
      cache.set(obj, out);
    }
    return out;
  };

  const authorize = (
    user: UserInfo,
    attrs: Omit<RequestAttributes, 'user'>,
  ) => {
    if (!options.rbac || authenticator.isAdmin(user)) return;
    const a = { ...attrs, user };
    if (!rbacAllows(store, a)) throw forbiddenError(a);
  };

  const canI = (user: UserInfo, attrs: Omit<RequestAttributes, 'user'>) => {
    if (!options.rbac || authenticator.isAdmin(user)) return true;
    return rbacAllows(store, { ...attrs, user });
  };

  /**
   * Patches in the served version: objects served in another version than
   * stored (autoscaling/v1 HPAs, events.k8s.io Events) are converted,
   * patched and written back as that version.
   */
  const patchServed = (
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    patchType: PatchType,
    opts: PatchOptions,
  ): KubeObject => {
    const storage = store.resolve(type);
    const same =
      apiVersionOf(type) === apiVersionOf(storage) &&
      type.kind === storage.kind;
    if (same) {
      return store.patch(storage, namespace, name, patch, patchType, {
        ...opts,
        createIfMissing: patchType === 'apply',
      });
    }
    const existing = store.tryGet(storage, namespace, name);
    if (!existing && patchType === 'apply' && isPlainObject(patch)) {
      return store.createAs(type, patch as KubeObject, { ...opts, namespace });
    }
    if (!existing) {
      return store.patch(storage, namespace, name, patch, patchType, opts);
    }
    const current = present(existing, type);
    const next = applyPatchOfType(patchType, current, patch) as KubeObject;
    if (!isPlainObject(next)) throw badRequest('patch produced a non-object');
    return store.updateAs(
      type,
      { ...next, apiVersion: apiVersionOf(type), kind: type.kind },
      { ...opts, namespace },
    );
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (OPEN_PATHS.has(path)) {
      if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
      if (path === '/metrics') {
        if (!options.exposition) throw notFoundPath();
        return sendText(
          res,
          200,
          options.exposition(),
          'text/plain; version=0.0.4; charset=utf-8',
        );
      }
      return sendText(res, 200, 'ok');
    }

    const user = req.headers.authorization
      ? authenticator.authenticate(req.headers.authorization)
      : options.anonymousUser;
    if (!user) throw unauthorized();
    if (path.startsWith('/sandbox/') && options.sandboxHandler) {
      if (!authenticator.isAdmin(user)) {
        throw forbidden(`${method} ${path} is for the sandbox admin only`, {
          group: 'sandbox',
          resource: path,
        });
      }
      return options.sandboxHandler(req, res, path);
    }

    if (path === '/openapi/v3') {
      return sendJson(res, 200, openApiV3Root(registry, served));
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiV3GroupVersion(
        registry,
        served,
        path.slice('/openapi/v3/'.length),
      );
      if (!doc) throw notFoundPath();
      return sendJson(res, 200, doc);
    }
    if (path.startsWith('/openapi')) throw notFoundPath();
    const apiPath = parseApiPath(registry, path);
    switch (apiPath.kind) {
      case 'root':
        throw notFoundPath();
      case 'coreVersions':
        return sendJson(res, 200, apiVersions(address));
      case 'groupList':
        return sendJson(res, 200, apiGroupList(registry, served));
      case 'group': {
        const doc = apiGroup(registry, served, apiPath.group);
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, doc);
      }
      case 'resourceList': {
        const doc = apiResourceList(
          registry,
          served,
          apiPath.group,
          apiPath.version,
        );
        if (!doc) throw notFoundPath();
        return sendJson(res, 200, doc);
      }
      default:
        return handleResource(req, res, url, method, apiPath, user);
    }
  }

  async function handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    route: ResourceRoute,
    user: UserInfo,
  ) {
    const q = url.searchParams;
    const type = route.type;
    if (!served(type)) throw notFoundPath();
    const watch = boolParam(q.get('watch'));
    const verb = verbOf(method, route, watch);
    const attrs = {
      verb,
      apiGroup: type.group,
      resource: type.plural,
      subresource: route.subresource,
      namespace: route.namespace,
      name: route.name,
    };

    if (type.virtual === 'review') {
      if (method !== 'POST') throw methodNotAllowed('only create is allowed');
      const raw = await readRawBody(req);
      const body = (
        isKubeProtobuf(raw)
          ? decodeSelfSubjectAccessReview(raw)
          : parseJsonBody(raw.toString('utf8'))
      ) as Record<string, any>;
      const ra = body?.spec?.resourceAttributes ?? {};
      const allowed = canI(user, {
        verb: ra.verb ?? '',
        apiGroup: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource || undefined,
        namespace: ra.namespace || undefined,
        name: ra.name || undefined,
      });
      return sendJson(res, 201, {
        ...body,
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { creationTimestamp: null },
        status: { allowed },
      });
    }

    authorize(user, attrs);

    if (type.virtual === 'metrics') {
      if (method !== 'GET') throw methodNotAllowed('only get and list');
      return serveMetricsApi(res, options.metrics!, type, route, q, clock);
    }

    const storage = store.resolve(type);
    if (!type.namespaced && route.namespace) throw notFoundPath();
    if (route.subresource) {
      const sub = type.subresources.find(s => s.name === route.subresource);
      if (!sub || !route.name) throw notFoundPath();
      return handleSubresource(req, res, q, method, route, sub.name, user);
    }

    const dryRun = q.get('dryRun') === 'All';
    const table = wantsTable(req);
    const ns = route.namespace;

    if (method === 'GET' && watch) {
      const includeObject = (q.get('includeObject') ?? 'Metadata') as
        | 'None'
        | 'Metadata'
        | 'Object';
      const columns = columnsFor(type);
      const query = new URLSearchParams(q);
      if (route.name) {
        query.set(
          'fieldSelector',
          [q.get('fieldSelector'), `metadata.name=${route.name}`]
            .filter(Boolean)
            .join(','),
        );
      }
      const stop = serveWatch(req, res, {
        store,
        type,
        namespace: ns,
        query,
        lines,
        convert: obj => present(obj, type),
        render: table
          ? obj => ({
              kind: 'Table',
              apiVersion: 'meta.k8s.io/v1',
              metadata: { resourceVersion: obj.metadata?.resourceVersion },
              columnDefinitions: [],
              rows: [toTableRow(obj, columns, clock.now(), includeObject)],
            })
          : undefined,
        bookmarkIntervalMs: options.bookmarkIntervalMs ?? 10_000,
        defaultTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800,
      });
      watches.add(stop);
      res.on('close', () => watches.delete(stop));
      return undefined;
    }

    if (method === 'GET' && route.name) {
      const obj = present(store.get(storage, ns, route.name), type);
      if (table) {
        return sendJson(
          res,
          200,
          toTable(type, [obj], clock.now(), {
            includeObject: q.get('includeObject') as any,
            resourceVersion: obj.metadata?.resourceVersion,
          }),
        );
      }
      return sendJson(res, 200, json.of(obj), true);
    }

    if (method === 'GET') {
      const result = store.list(storage, {
        namespace: ns,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: intParam(q.get('limit'), 'limit'),
        continue: q.get('continue') ?? undefined,
      });
      const items = result.items.map(o => present(o, type));
      if (table) {
        return sendJson(
          res,
          200,
          toTable(type, items, clock.now(), {
            includeObject: q.get('includeObject') as any,
            resourceVersion: result.resourceVersion,
            continue: result.continue,
            remainingItemCount: result.remainingItemCount,
          }),
        );
      }
      const metadata: Record<string, unknown> = {
        resourceVersion: result.resourceVersion,
      };
      if (result.continue) metadata.continue = result.continue;
      if (result.remainingItemCount !== undefined) {
        metadata.remainingItemCount = result.remainingItemCount;
      }
      const text = `{"kind":"${listKind(type)}","apiVersion":"${apiVersionOf(
        type,
      )}","metadata":${JSON.stringify(metadata)},"items":[${items
        .map(o => json.of(o))
        .join(',')}]}`;
      return sendJson(res, 200, text, true);
    }

    if (method === 'POST') {
      if (route.name) throw methodNotAllowed('POST to an item is not allowed');
      const body = objectBody(parseJsonBody(await readBody(req)), type, route);
      const created = store.createAs(type, body, {
        dryRun,
        namespace: ns,
        user,
      });
      return sendJson(res, 201, json.of(present(created, type)), true);
    }

    if (method === 'PUT') {
      if (!route.name) throw methodNotAllowed('PUT on a collection');
      const body = objectBody(parseJsonBody(await readBody(req)), type, route);
      const updated = store.updateAs(type, body, {
        dryRun,
        namespace: ns,
        user,
      });
      return sendJson(res, 200, json.of(present(updated, type)), true);
    }

    if (method === 'PATCH') {
      if (!route.name) throw methodNotAllowed('PATCH on a collection');
      const patchType = patchTypeOf(req);
      let patch = parseJsonBody(await readBody(req), patchType === 'apply');
      if (patchType === 'apply') patch = objectBody(patch, type, route);
      const patched = patchServed(type, ns, route.name, patch, patchType, {
        dryRun,
        user,
      });
      return sendJson(res, 200, json.of(present(patched, type)), true);
    }

    if (method === 'DELETE') {
      const text = await readBody(req);
      const opts = deleteOptions(q, text, dryRun, user);
      if (!route.name) {
        const { items } = store.list(storage, {
          namespace: ns,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
        });
        const deleted = items.map(
          o =>
            store.delete(
              storage,
              o.metadata?.namespace,
              o.metadata!.name!,
              opts,
            ).object,
        );
        return sendJson(res, 200, {
          kind: listKind(type),
          apiVersion: apiVersionOf(type),
          metadata: { resourceVersion: store.resourceVersion },
          items: deleted.map(o => present(o, type)),
        });
      }
      const result = store.delete(storage, ns, route.name, opts);
      const obj = present(result.object, type);
      if (!result.removed || storage.storage === 'pods') {
        return sendJson(res, 200, json.of(obj), true);
      }
      return sendJson(
        res,
        200,
        successStatus(200, {
          name: route.name,
          group: type.group,
          kind: type.plural,
          uid: obj.metadata?.uid,
        }),
      );
    }
    throw methodNotAllowed(`method ${method} is not allowed`);
  }

  async function handleSubresource(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    method: string,
    route: ResourceRoute,
    sub: string,
    user: UserInfo,
  ) {
    const type = route.type;
    const storage = store.resolve(type);
    const ns = route.namespace;
    const name = route.name!;
    const dryRun = q.get('dryRun') === 'All';
    if (sub === 'log') {
      if (method !== 'GET') throw methodNotAllowed('only GET on pods/log');
      const pod = store.get(storage, ns, name);
      return servePodLog(req, res, pod, q, options.logs);
    }
    if (sub === 'eviction') {
      if (method !== 'POST') throw methodNotAllowed('only POST on eviction');
      const text = await readBody(req);
      const body = text.trim()
        ? (parseJsonBody(text) as KubeObject)
        : undefined;
      const status = evictPod(store, ns!, name, body, { dryRun, user });
      return sendJson(res, 201, status);
    }
    if (sub === 'scale') {
      if (method === 'GET') {
        return sendJson(res, 200, getScale(store, storage, ns, name));
      }
      const text = await readBody(req);
      if (method === 'PUT') {
        const body = parseJsonBody(text) as KubeObject;
        return sendJson(
          res,
          200,
          updateScale(store, storage, ns, name, body, { dryRun, user }),
        );
      }
      if (method === 'PATCH') {
        const patchType = patchTypeOf(req);
        const patch = parseJsonBody(text, patchType === 'apply');
        return sendJson(
          res,
          200,
          patchScale(store, storage, ns, name, patch, patchType, {
            dryRun,
            user,
          }),
        );
      }
      throw methodNotAllowed(`method ${method} is not allowed on scale`);
    }
    // status
    if (method === 'GET') {
      return sendJson(
        res,
        200,
        json.of(present(store.get(storage, ns, name), type)),
        true,
      );
    }
    const text = await readBody(req);
    let result: KubeObject;
    if (method === 'PUT') {
      const body = objectBody(parseJsonBody(text), type, route);
      result = store.updateAs(type, body, {
        dryRun,
        namespace: ns,
        user,
        subresource: 'status',
      });
    } else if (method === 'PATCH') {
      const patchType = patchTypeOf(req);
      const patch = parseJsonBody(text, patchType === 'apply');
      result = patchServed(type, ns, name, patch, patchType, {
        dryRun,
        user,
        subresource: 'status',
      });
    } else {
      throw methodNotAllowed(`method ${method} is not allowed on status`);
    }
    return sendJson(res, 200, json.of(present(result, type)), true);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    res.on('finish', () => {
      options.onRequest?.(
        `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`,
      );
    });
    handle(req, res).catch(err => {
      if (!(err instanceof ApiError)) {
        options.onRequest?.(`${req.method} ${req.url} failed: ${String(err)}`);
      }
      sendError(res, err);
    });
  };
  const server = createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  let tlsServer: HttpsServer | undefined;
  if (options.tls !== false) {
    const cert = options.tls ?? selfSignedCertificate();
    tlsServer = createHttpsServer(
      { key: cert.key, cert: cert.cert },
      onRequest,
    );
    tlsServer.keepAliveTimeout = 65_000;
  }
  // One port for both: a TLS ClientHello starts with 0x16.
  const sockets = new Set<Socket>();
  const front = createNetServer(socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', chunk => {
      socket.pause();
      socket.unshift(chunk);
      const target = chunk[0] === 0x16 && tlsServer ? tlsServer : server;
      target.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  return {
    server,
    authenticator,
    issueServiceAccountToken: (namespace, name) =>
      authenticator.issueServiceAccountToken(namespace, name),
    closeWatches() {
      for (const stop of [...watches]) stop();
      watches.clear();
    },
    get watchCount() {
      return watches.size;
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        front.once('error', reject);
        front.listen(port, host, () => {
          front.off('error', reject);
          const a = front.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          address = `${h}:${a.port}`;
          resolve({
            url: `http://${address}`,
            httpsUrl: tlsServer ? `https://${address}` : undefined,
          });
        });
      });
    },
    close() {
      for (const stop of [...watches]) stop();
      return new Promise(resolve => {
        front.close(() => resolve());
        server.closeAllConnections();
        tlsServer?.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

function patchTypeOf(req: IncomingMessage) {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
  const type = PATCH_CONTENT_TYPES[ct];
  if (!type) {
    throw new ApiError(
      failureStatus(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${Object.keys(
          PATCH_CONTENT_TYPES,
        ).join(', ')}`,
      ),
    );
  }
  return type;
}

/** Checks a request body against the URL and fills apiVersion/kind. */
function objectBody(
  body: unknown,
  type: ResourceType,
  route: ResourceRoute,
): KubeObject {
  if (!isPlainObject(body)) throw badRequest('the body must be a JSON object');
  const obj = { ...body } as KubeObject;
  const apiVersion = apiVersionOf(type);
  if (obj.apiVersion === undefined) obj.apiVersion = apiVersion;
  if (obj.kind === undefined) obj.kind = type.kind;
  if (obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(
        obj.apiVersion,
      )}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (obj.kind !== type.kind) {
    throw badRequest(
      `the kind in the data (${String(
        obj.kind,
      )}) does not match the expected kind (${type.kind})`,
    );
  }
  const meta = isPlainObject(obj.metadata) ? { ...obj.metadata } : {};
  obj.metadata = meta;
  if (route.name !== undefined) {
    if (meta.name === undefined) meta.name = route.name;
    if (meta.name !== route.name) {
      throw badRequest(
        `the name of the object (${String(
          meta.name,
        )}) does not match the name on the URL (${route.name})`,
      );
    }
  }
  if (type.namespaced && route.namespace !== undefined) {
    if (meta.namespace === undefined || meta.namespace === '') {
      meta.namespace = route.namespace;
    }
    if (meta.namespace !== route.namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  }
  return obj;
}

function deleteOptions(
  q: URLSearchParams,
  body: string,
  dryRun: boolean,
  user: UserInfo,
): DeleteOptions {
  const fromBody = (body.trim() ? parseJsonBody(body) : {}) as Record<
    string,
    any
  >;
  const policy = q.get('propagationPolicy') ?? fromBody.propagationPolicy;
  const grace =
    intParam(q.get('gracePeriodSeconds'), 'gracePeriodSeconds') ??
    fromBody.gracePeriodSeconds;
  return {
    dryRun: dryRun || (fromBody.dryRun ?? []).includes('All'),
    propagationPolicy: policy,
    gracePeriodSeconds: grace,
    preconditions: fromBody.preconditions,
    user,
  };
}
