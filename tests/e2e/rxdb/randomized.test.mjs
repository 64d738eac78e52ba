// Randomized interleavings with real RxDB replicas: a dispatcher and two engineers make random
// offline changes (legal and illegal status steps, field edits in every state, notes, checklist
// edits and new items, reassignments), the dispatcher also acts through REST (reassigns, cancels,
// new work orders), the devices reconnect in random order and at the same time, and some push
// answers are held back while a pull overtakes them (a slow mobile link) or lost after the server
// committed (the device sends the same push again). After every round:
//   - no replica is wedged: every push and pull was answered 2xx;
//   - every replica equals what a fresh device of the same user pulls (its scope);
//   - every offline change was applied (on the timeline, or the note/item exists) or is listed in
//     /sync/conflicts by the user who made it.
// tests/e2e/test_rxdb.py checks afterwards that every timeline obeys the state machine.
//
// Seeds: RXDB_SEEDS=1,2,3 replays those seeds; otherwise RXDB_SEED_COUNT (default 3) random ones.
// The seed decides the operations; network timing still varies between runs.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { api, createReplica, freshPull, login, newId, normalized, nowIso } from './harness.mjs';

const COLLECTIONS = ['work_orders', 'work_order_notes', 'checklist_items'];
const ROUNDS = Number(process.env.RXDB_ROUNDS ?? 6);
const SEEDS = process.env.RXDB_SEEDS
  ? process.env.RXDB_SEEDS.split(',').map(Number)
  : Array.from({ length: Number(process.env.RXDB_SEED_COUNT ?? 3) }, () => Math.floor(Math.random() * 2 ** 31));

// A bias towards legal moves, so work orders travel far; illegal ones are drawn too.
const ENGINEER_NEXT = {
  assigned: ['accepted'], accepted: ['en_route', 'on_site'], en_route: ['on_site'],
  on_site: ['in_progress'], in_progress: ['on_hold', 'resolved'], on_hold: ['in_progress'],
};
const DISPATCH_NEXT = { resolved: ['verified'], verified: ['closed'] };
const STATUSES = ['new', 'assigned', 'accepted', 'en_route', 'on_site', 'in_progress', 'on_hold',
  'resolved', 'verified', 'closed', 'cancelled'];
const HOLD_REASONS = ['parts', 'customer', 'access'];

/** A small seeded generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    int,
    chance: (p) => next() < p,
    pick: (list) => list[int(list.length)],
    shuffle: (list) => list.map((v) => [next(), v]).sort((x, y) => x[0] - y[0]).map(([, v]) => v),
  };
}

const equal = (a, b) => JSON.stringify(normalized(a ?? null)) === JSON.stringify(normalized(b ?? null));
const sameTime = (a, b) => a != null && b != null && Date.parse(a) === Date.parse(b);

for (const seed of SEEDS) {
  test(`randomized offline interleavings, seed ${seed} (replay: RXDB_SEEDS=${seed})`, async () => {
    const devices = []; // closed after each seed: open-source RxDB allows 16 collections at once
    try {
      await run(seed, devices);
    } catch (error) {
      error.message = `seed ${seed} (replay with RXDB_SEEDS=${seed}): ${error.message}`;
      throw error;
    } finally {
      await Promise.all(devices.map((device) => device.close()));
    }
  });
}

async function run(seed, devices) {
  const rng = random(seed);
  const timing = random(seed ^ 0x5bd1e995); // held answers: consumed in network order
  const [dispatch, li, wang] = await Promise.all(['dispatch', 'eng.li', 'eng.wang'].map((u) => login(u)));
  const engineers = [li, wang];
  const site = (await api(dispatch, 'GET', '/sites')).items[0];
  const ours = new Set(); // this seed's work orders: the only ones operated on
  const expectations = []; // offline changes to account for

  const createWorkOrder = async () => {
    const created = await api(dispatch, 'POST', '/work-orders', {
      title: `Seed ${seed}: freezer ${ours.size + 1}`, priority: rng.pick(['P0', 'P1', 'P2', 'P3']),
      type: rng.pick(['inspection', 'cold_storage_repair']), channel: 'phone', site_id: site.id,
    });
    const id = created.work_order.id;
    ours.add(id);
    await api(dispatch, 'POST', `/work-orders/${id}/checklist`, { label: 'Record the temperature' });
    const engineer = rng.pick(engineers);
    await api(dispatch, 'POST', `/work-orders/${id}/transitions`, { target: 'assigned', assignee_id: engineer.me.id });
    if (rng.chance(0.5)) await api(engineer, 'POST', `/work-orders/${id}/transitions`, { target: 'accepted' });
  };
  for (let i = 0; i < 4; i++) await createWorkOrder();

  // Devices: held answers with an overtaking pull, as on a slow mobile link.
  for (const session of [dispatch, li, wang]) {
    const holder = {};
    const replica = await createReplica(session, COLLECTIONS, {
      pushBatchSize: 10,
      pushHook: async ({ send }) => {
        const roll = timing.int(100);
        if (roll >= 45) return send();
        const answer = await send();
        if (roll < 10) throw new Error('the answer was lost (test)'); // RxDB sends it again
        holder.replica.reSync(); // this pull sees the push's commit before the device hears of it
        await delay(200 + timing.int(400));
        return answer;
      },
    });
    holder.replica = replica;
    replica.historyApp = session !== wang || rng.chance(0.5); // some devices run an older app
    devices.push(replica);
  }
  await settle(devices);

  for (let round = 1; round <= ROUNDS; round++) {
    const offline = devices.filter(() => rng.chance(0.7));
    offline.forEach((device) => device.goOffline());
    const changes = new Map(offline.map((device) => [device, new Changes(device)]));
    for (const device of offline) {
      const count = 1 + rng.int(4);
      for (let i = 0; i < count; i++) await randomChange(rng, device, changes.get(device), ours, engineers);
    }
    // The dispatcher also works online, through REST, while devices are offline.
    for (const id of rng.shuffle([...ours]).slice(0, 1 + rng.int(2))) {
      await restChange(rng, dispatch, id, engineers).catch((error) => {
        if (![403, 409].includes(error.status)) throw error; // REST refuses what the rules do
      });
    }
    if (rng.chance(0.3)) await createWorkOrder();

    // Reconnect in random order, overlapping.
    await Promise.all(rng.shuffle(offline).map(async (device, i) => {
      await delay(i * rng.int(150));
      device.goOnline();
      await device.reSync();
    }));
    await settle(devices);
    for (const change of changes.values()) expectations.push(...change.list());

    for (const device of devices) {
      assert.deepEqual(device.serverErrors, [], `round ${round}: ${device.session.username} got 5xx`);
      const truth = await freshPull(device.session, COLLECTIONS);
      for (const name of COLLECTIONS) {
        const difference = differences(await device.docs(name), truth[name]);
        assert.deepEqual(difference, {},
          `round ${round}: ${device.session.username}'s ${name} equal what the server gives them`);
      }
    }
  }
  await accountFor(dispatch, expectations);
}

/** By id: documents only on the device, only on the server, and fields that differ. */
function differences(device, server) {
  const mine = new Map(device.map((d) => [d.id, d]));
  const theirs = new Map(server.map((d) => [d.id, d]));
  const out = {};
  for (const [id, doc] of mine) {
    if (!theirs.has(id)) out[id] = { only_on_device: doc };
    else {
      const other = theirs.get(id);
      const fields = [...new Set([...Object.keys(doc), ...Object.keys(other)])]
        .filter((k) => !equal(doc[k], other[k]))
        .map((k) => ({ field: k, device: doc[k], server: other[k] }));
      if (fields.length) out[id] = { fields };
    }
  }
  for (const [id, doc] of theirs) if (!mine.has(id)) out[id] = { only_on_server: doc };
  return out;
}

/** Every device pushes and pulls until nothing moves. */
async function settle(devices) {
  for (let pass = 0; pass < 2; pass++) {
    await Promise.all(devices.map(async (device) => {
      await device.reSync();
      await device.awaitInSync();
    }));
  }
}

/** What one device changed while offline: the last value of each field, each status step. */
class Changes {
  constructor(device) {
    this.device = device;
    this.fields = new Map(); // `${collection}/${id}/${field}` -> {collection, id, field, before, value}
    this.steps = []; // {id, status, at}
    this.created = []; // {collection, id, body|label}
  }

  field(collection, id, field, before, value, workOrder = id) {
    const key = `${collection}/${id}/${field}`;
    const known = this.fields.get(key);
    this.fields.set(key, { collection, id, workOrder, field, before: known ? known.before : before, value });
  }

  list() {
    const actor = this.device.session.me.id;
    const fields = [...this.fields.values()].filter((c) => !equal(c.before, c.value));
    return [
      ...fields.map((c) => ({ kind: 'field', actor, ...c })),
      ...this.steps.filter((s) => s.history || s.status !== s.before)
        .map((s) => ({ kind: 'status', actor, ...s })),
      ...this.created.map((c) => ({ kind: 'created', actor, ...c })),
    ];
  }
}

const tag = (rng) => `${Date.now().toString(36)}-${rng.int(1e6)}`;

async function randomChange(rng, device, changes, ours, engineers) {
  const me = device.session.me;
  const dispatcher = me.role !== 'engineer';
  const mine = (await device.docs('work_orders')).filter((wo) => ours.has(wo.id));
  if (mine.length === 0) return;
  const wo = rng.pick(mine);
  const doc = await device.doc('work_orders', wo.id);
  const roll = rng.int(10);
  if (roll < 3) { // a status step, legal most of the time
    const next = (dispatcher ? DISPATCH_NEXT : ENGINEER_NEXT)[wo.status];
    const status = next && rng.chance(0.8) ? rng.pick(next) : rng.pick(STATUSES.filter((x) => x !== wo.status));
    const hold = status === 'on_hold' ? rng.pick(HOLD_REASONS) : null;
    const at = nowIso();
    const patch = { status, hold_reason: hold, occurred_at: at };
    if (device.historyApp) {
      const step = hold ? { status, at, hold_reason: hold } : { status, at };
      patch.status_history = [...(wo.status_history ?? []), step];
      changes.steps.push({ id: wo.id, status, at, history: true });
    } else { // an older app sends only the last status
      const earlier = changes.steps.find((s) => s.id === wo.id);
      changes.steps = changes.steps.filter((s) => s.id !== wo.id);
      changes.steps.push({ id: wo.id, status, at, history: false, before: earlier ? earlier.before : wo.status });
    }
    await doc.incrementalPatch(patch);
  } else if (roll < 6) { // a field edit (some not the caller's to make)
    const fields = dispatcher
      ? ['title', 'description', 'environment', 'priority', 'assignee_id', 'tags']
      : ['description', 'environment', 'tags', 'priority', 'title'];
    const field = rng.pick(fields);
    const value = field === 'priority' ? rng.pick(['P0', 'P1', 'P2', 'P3'])
      : field === 'assignee_id' ? rng.pick(engineers).me.id
        : field === 'tags' ? [`t-${rng.int(100)}`]
          : `${field} ${tag(rng)}`;
    changes.field('work_orders', wo.id, field, wo[field], value);
    await doc.incrementalPatch({ [field]: value });
  } else if (roll < 8) { // a note
    const note = {
      id: newId(), work_order_id: wo.id, author_id: me.id, body: `note ${tag(rng)}`,
      created_at: nowIso(), device_time: nowIso(),
    };
    changes.created.push({ collection: 'work_order_notes', id: note.id, workOrder: wo.id, body: note.body });
    await device.collection('work_order_notes').insert(note);
  } else { // the checklist: tick an item, or add one
    const items = (await device.docs('checklist_items')).filter((item) => item.work_order_id === wo.id);
    if (items.length && rng.chance(0.7)) {
      const item = rng.pick(items);
      const [field, value] = rng.chance(0.5) ? ['done', !item.done] : ['value', `${rng.int(40) - 30}C`];
      changes.field('checklist_items', item.id, field, item[field], value, wo.id);
      await (await device.doc('checklist_items', item.id)).incrementalPatch({ [field]: value });
    } else {
      const item = {
        id: newId(), work_order_id: wo.id, position: 1 + rng.int(5), label: `check ${tag(rng)}`,
        required: false, done: false, value: '', version: 1, updated_at: nowIso(),
      };
      changes.created.push({ collection: 'checklist_items', id: item.id, workOrder: wo.id, label: item.label });
      await device.collection('checklist_items').insert(item);
    }
  }
}

async function restChange(rng, dispatch, id, engineers) {
  const move = (body) => api(dispatch, 'POST', `/work-orders/${id}/transitions`, body);
  const roll = rng.int(10);
  if (roll < 4) {
    const { work_order: wo } = await api(dispatch, 'GET', `/work-orders/${id}`);
    const other = engineers.find((e) => e.me.id !== wo.assignee_id) ?? engineers[0];
    await move({ target: 'assigned', assignee_id: other.me.id });
  } else if (roll < 5) {
    await move({ target: 'cancelled', reason: 'the customer fixed it' });
  } else if (roll < 7) {
    await move({ target: 'in_progress', reason: 'still too warm' }); // reopen, when resolved
  } else {
    await api(dispatch, 'PATCH', `/work-orders/${id}`, { description: `dispatcher ${tag(rng)}` });
  }
}

/** Each offline change is on the server or listed as a conflict by the user who made it. */
async function accountFor(dispatch, expectations) {
  const details = new Map();
  const detail = async (id) => {
    if (!details.has(id)) details.set(id, await api(dispatch, 'GET', `/work-orders/${id}`));
    return details.get(id);
  };
  const conflicts = async (id) => (await api(dispatch, 'GET', `/sync/conflicts?document_id=${id}&limit=500`)).items;
  for (const change of expectations) {
    const listed = (await conflicts(change.id)).filter((c) => c.actor_id === change.actor);
    const { timeline, notes, checklist } = await detail(change.workOrder ?? change.id);
    let applied;
    if (change.kind === 'field' && change.collection === 'work_orders') {
      applied = timeline.some((e) => change.field in e.after && equal(e.after[change.field], change.value))
        || listed.some((c) => c.field === change.field && equal(c.client_value, change.value));
    } else if (change.kind === 'field') { // a checklist item
      applied = timeline.some((e) => e.after.item_id === change.id && equal(e.after[change.field], change.value))
        || listed.some((c) => c.field === change.field && equal(c.client_value, change.value));
    } else if (change.kind === 'status') {
      const transitions = timeline.filter((e) => e.action.startsWith('transition:') && e.after.status === change.status);
      applied = transitions.some((e) => e.actor_id === change.actor && (!change.history || sameTime(e.device_time, change.at)))
        || listed.some((c) => c.field === 'status' && c.client_value === change.status)
        // Someone else (another device, or a REST call after the device made its step) had put
        // the work order there before this push came: the step moved nothing.
        || transitions.some((e) => e.actor_id !== change.actor
          || (e.device_time === null && Date.parse(e.server_time) > Date.parse(change.at)));
    } else if (change.collection === 'work_order_notes') {
      applied = notes.some((n) => n.id === change.id && n.body === change.body) || listed.length > 0;
    } else {
      applied = checklist.some((i) => i.id === change.id) || listed.some((c) => c.field === 'label');
    }
    assert.ok(applied, `an offline change was neither applied nor listed as a conflict: ${JSON.stringify(change)}`);
  }
  assert.ok(expectations.length > 0, 'the seed made no offline change to check');
}
