// A real RxDB client (in-memory storage, plain Node) replicating against our sync endpoints.
// The tests drive RxDB itself — its batching, retries, conflict adoption and checkpoints — so
// what passes here is what an offline-first app built on RxDB would experience.
import { randomUUID } from 'node:crypto';
import { createRxDatabase } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8000';
export const DEMO = { tenant: 'demo', password: 'fieldops-demo' };
// A hang (a handler retrying forever) must fail the test with a reason, not time out silently.
const SYNC_TIMEOUT_MS = Number(process.env.RXDB_SYNC_TIMEOUT_MS ?? 60_000);

export const COLLECTIONS = ['work_orders', 'work_order_notes', 'checklist_items', 'sites', 'assets'];
export const READ_ONLY = new Set(['sites', 'assets', 'kb_articles']);

// Permissive: only the primary key is declared and required, so fields the server adds later
// (or that only the server fills) never break the client. No validator plugin is added.
const schema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 36 } },
  required: ['id'],
  additionalProperties: true,
};

export class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} -> ${status} ${JSON.stringify(body)}`);
    Object.assign(this, { status, body });
  }
}

/** One HTTP call; JSON in and out; throws HttpError on a non-2xx answer. */
export async function api(session, method, path, body) {
  const response = await fetch(`${session.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-app-version': 'rxdb-e2e/1.0',
      ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new HttpError(method, path, response.status, data);
  return data;
}

/** Logs a demo user in: `{baseUrl, token, me, username}`. */
export async function login(username, { baseUrl = BASE_URL, ...creds } = {}) {
  const { tenant, password } = { ...DEMO, ...creds };
  const anonymous = { baseUrl };
  const device_id = `rxdb-${username}-${randomUUID().slice(0, 8)}`;
  const auth = await api(anonymous, 'POST', '/auth/login', { tenant, username, password, device_id });
  const session = { baseUrl, token: auth.access_token, username };
  session.me = await api(session, 'GET', '/me');
  return session;
}

/** Every work order the REST list returns for `query` (all pages). */
export async function listWorkOrders(session, query = {}) {
  const items = [];
  let cursor = null;
  do {
    const qs = new URLSearchParams({ ...query, limit: '200', ...(cursor ? { cursor } : {}) });
    const page = await api(session, 'GET', `/work-orders?${qs}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

let replicaCounter = 0;

/**
 * A device: its own RxDB database (unique name) with `collections`, each replicated live
 * against the server as `session`'s user. Options: pushBatchSize, pullBatchSize, live,
 * retryTime, pushHook({collection, rows, call, send}) to intervene in a push (crash tests).
 */
export async function createReplica(session, collections = ['work_orders'], options = {}) {
  const { pushBatchSize = 50, pullBatchSize = 50, live = true, retryTime = 50 } = options;
  const db = await createRxDatabase({
    name: `replica-${session.username.replace(/\W/g, '')}-${++replicaCounter}-${randomUUID().slice(0, 6)}`,
    storage: getRxStorageMemory(),
    multiInstance: false, // no leader election: one process, one device
  });
  await db.addCollections(Object.fromEntries(collections.map((name) => [name, { schema }])));

  const replica = {
    session, db, offline: false, replications: {}, errors: [], fatal: [], serverErrors: [], pushLog: [],
    collection: (name) => db[name],
  };
  // Fail fast on 4xx: RxDB retries every error forever, which would only show as a hang.
  let failFast;
  replica.failed = new Promise((_, reject) => (failFast = reject));
  replica.failed.catch(() => {});
  const online = () => {
    if (replica.offline) throw new Error('offline (test switch)');
  };
  // 5xx answers are retried like RxDB does, but recorded: a test asserts there were none,
  // since retrying would otherwise hide a server bug.
  const check = (error) => {
    if (error instanceof HttpError && error.status >= 400 && error.status < 500) {
      replica.fatal.push(error);
      failFast(error);
    } else if (error instanceof HttpError) {
      replica.serverErrors.push(error.message);
    }
    throw error;
  };

  for (const name of collections) {
    let pushCalls = 0;
    const pull = {
      batchSize: pullBatchSize,
      // RxDB stacks checkpoints with Object.assign, so our opaque string travels wrapped in an
      // object ({cursor}); a null answer means "nothing new": keep the checkpoint we had.
      async handler(last, batchSize) {
        online();
        const qs = new URLSearchParams({ limit: String(batchSize) });
        if (last?.cursor) qs.set('checkpoint', last.cursor);
        const body = await api(session, 'GET', `/sync/${name}/pull?${qs}`).catch(check);
        return {
          documents: body.documents,
          checkpoint: body.checkpoint == null ? last : { cursor: body.checkpoint },
        };
      },
    };
    const push = READ_ONLY.has(name) ? undefined : {
      batchSize: pushBatchSize,
      async handler(rows) {
        online();
        const call = ++pushCalls;
        const send = async () => {
          const entry = { collection: name, call, ids: rows.map((r) => r.newDocumentState.id) };
          replica.pushLog.push(entry);
          entry.conflicts = await api(session, 'POST', `/sync/${name}/push`, rows).catch(check);
          return entry.conflicts;
        };
        return options.pushHook ? options.pushHook({ collection: name, rows, call, send }) : send();
      },
    };
    const state = replicateRxCollection({
      replicationIdentifier: `fieldops-${name}`,
      collection: db[name],
      pull,
      push,
      live,
      retryTime,
      waitForLeadership: false,
    });
    state.error$.subscribe((error) => replica.errors.push(error));
    replica.replications[name] = state;
  }

  replica.goOffline = () => { replica.offline = true; };
  replica.goOnline = () => { replica.offline = false; };
  /** Pull again (live replication without a stream only pulls on start and on RESYNC). RxDB
   * queues the RESYNC a few microtasks later; after setImmediate it is queued, so a following
   * awaitInSync() waits for that pull. */
  replica.reSync = async () => {
    Object.values(replica.replications).forEach((r) => r.reSync());
    await new Promise(setImmediate);
  };
  replica.awaitInSync = (names = collections) =>
    Promise.all(names.map((n) => awaitInSync(replica.replications[n], replica)));
  replica.docs = (name) => readAll(db[name]);
  /** The RxDocument (to patch it; only `id` has a getter, the schema declaring nothing else). */
  replica.doc = async (name, id) => db[name].findOne(id).exec();
  /** The document as a plain object, or null when it is not on this device. */
  replica.get = async (name, id) => (await db[name].findOne(id).exec())?.toJSON() ?? null;
  replica.close = () => db.close();
  return replica;
}

/** Resolves when `replication` has nothing left to push or pull; rejects on a 4xx or hang. */
export async function awaitInSync(replication, replica) {
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const last = replica?.errors.at(-1);
      reject(new Error(`not in sync after ${SYNC_TIMEOUT_MS} ms (${replication.collection.name});`
        + ` last replication error: ${last ? JSON.stringify(last.parameters ?? last.message) : 'none'}`));
    }, SYNC_TIMEOUT_MS);
  });
  const done = replication.live ? replication.awaitInSync() : replication.awaitInitialReplication();
  try {
    await Promise.race([done, hang, ...(replica ? [replica.failed] : [])]);
  } finally {
    clearTimeout(timer);
  }
}

/** All live documents of a collection as plain objects (no RxDB meta fields), sorted by id. */
export async function readAll(collection) {
  const docs = await collection.find().exec();
  return docs.map((d) => d.toJSON()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** JSON with sorted keys, so two documents compare equal whatever their key order. */
export function normalized(value) {
  const sort = (v) => Array.isArray(v) ? v.map(sort)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]))
      : v;
  return JSON.parse(JSON.stringify(sort(value)));
}

/** What a brand-new device of the same user pulls now: the server's truth for that user. */
export async function freshPull(session, collections) {
  const fresh = await createReplica(session, collections, { live: false });
  try {
    await fresh.awaitInSync();
    return Object.fromEntries(await Promise.all(collections.map(async (n) => [n, await fresh.docs(n)])));
  } finally {
    await fresh.close();
  }
}

export const newId = () => randomUUID();
export const nowIso = () => new Date().toISOString();
