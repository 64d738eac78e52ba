// First sync of real RxDB replicas: an engineer gets exactly the work orders assigned to them,
// a dispatcher the whole tenant, and a REST edit reaches both on the next pull (RESYNC).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createReplica, listWorkOrders, login, normalized } from './harness.mjs';

// Fields the sync document shares with the REST WorkOrder (timestamps compared as instants).
const SHARED = ['id', 'number', 'title', 'description', 'type', 'priority', 'status', 'hold_reason',
  'channel', 'site_id', 'asset_id', 'customer_id', 'team_id', 'assignee_id', 'environment', 'tags',
  'version'];
const view = (wo) => ({
  ...Object.fromEntries(SHARED.map((k) => [k, wo[k] ?? null])),
  created_at: Date.parse(wo.created_at),
  updated_at: Date.parse(wo.updated_at),
});
const byId = (items) => new Map(items.map((wo) => [wo.id, normalized(view(wo))]));

let dispatch, li, wang, engineer, dispatcher;
const replicas = [];

before(async () => {
  [dispatch, li, wang] = await Promise.all([login('dispatch'), login('eng.li'), login('eng.wang')]);
  // A few more of Li's work orders than one pull page, so the checkpoint is passed back.
  const site = (await api(dispatch, 'GET', '/sites')).items[0];
  for (let i = 0; i < 3; i++) {
    const created = await api(dispatch, 'POST', '/work-orders', {
      title: `Initial sync ${i}: door heater failed`, priority: 'P2', channel: 'phone', site_id: site.id,
    });
    await api(dispatch, 'POST', `/work-orders/${created.work_order.id}/transitions`,
      { target: 'assigned', assignee_id: li.me.id });
  }
  engineer = await createReplica(li, ['work_orders'], { pullBatchSize: 2 });
  dispatcher = await createReplica(dispatch, ['work_orders'], { pullBatchSize: 2 });
  replicas.push(engineer, dispatcher);
  await Promise.all([engineer.awaitInSync(), dispatcher.awaitInSync()]);
});

after(async () => Promise.all(replicas.map((r) => r.close())));

test("the engineer's replica holds exactly the work orders assigned to them", async () => {
  const expected = await listWorkOrders(li, { assignee_id: li.me.id });
  assert.ok(expected.length >= 4, 'the demo work order plus the three created here');
  const pulled = await engineer.docs('work_orders');
  assert.deepEqual(byId(pulled), byId(expected));
  assert.ok(pulled.every((wo) => wo.assignee_id === li.me.id));
});

test("the dispatcher's replica holds every work order of the tenant", async () => {
  const expected = await listWorkOrders(dispatch);
  const pulled = await dispatcher.docs('work_orders');
  assert.deepEqual(byId(pulled), byId(expected));
  // Someone else's work order is in the dispatcher's replica but not in the engineer's.
  const others = expected.filter((wo) => wo.assignee_id !== li.me.id);
  assert.ok(others.length > 0);
  const engineerIds = new Set((await engineer.docs('work_orders')).map((wo) => wo.id));
  assert.ok(others.every((wo) => !engineerIds.has(wo.id)));
});

test('a REST edit reaches every replica in scope on the next pull', async () => {
  const mine = (await listWorkOrders(li, { assignee_id: li.me.id }))[0];
  const wangs = (await listWorkOrders(dispatch, { assignee_id: wang.me.id }))[0];
  assert.ok(wangs, "the demo has a work order of Wang's");
  const edited = [];
  for (const wo of [mine, wangs]) {
    const detail = await api(dispatch, 'PATCH', `/work-orders/${wo.id}`,
      { title: `${wo.title} (edited ${wo.version})` });
    edited.push(detail.work_order);
  }
  for (const replica of [engineer, dispatcher]) {
    await replica.reSync();
    await replica.awaitInSync();
  }
  const inDispatcher = byId(await dispatcher.docs('work_orders'));
  const inEngineer = byId(await engineer.docs('work_orders'));
  for (const wo of edited) assert.deepEqual(inDispatcher.get(wo.id), normalized(view(wo)));
  assert.deepEqual(inEngineer.get(mine.id), normalized(view(edited[0])));
  assert.equal(inEngineer.has(wangs.id), false);
});
