// The first scenario with real RxDB devices: two engineers and a dispatcher edit the same
// work order offline (status, fields, notes, checklist) while it is reassigned from one engineer
// to the other. After reconnecting every device equals what the server gives that user, and the
// merge rules hold: the state machine decides status, engineers cannot change assignee or
// priority, and an engineer the work order was taken from can no longer change it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { api, createReplica, freshPull, login, newId, normalized, nowIso } from './harness.mjs';

const COLLECTIONS = ['work_orders', 'work_order_notes', 'checklist_items'];
const replicas = [];
after(async () => Promise.all(replicas.map((r) => r.close())));

const move = (session, id, body) => api(session, 'POST', `/work-orders/${id}/transitions`, body);
const note = (session, workOrderId, body) => ({
  id: newId(), work_order_id: workOrderId, author_id: session.me.id, body,
  created_at: nowIso(), device_time: nowIso(),
});
const patch = async (replica, name, id, change) => {
  const doc = await replica.doc(name, id);
  assert.ok(doc, `${name} ${id} is on ${replica.session.username}'s device`);
  return doc.incrementalPatch(change);
};
const ofWorkOrder = (docs, id) => docs.filter((d) => d.work_order_id === id);

test('offline edits by two engineers and a dispatcher converge under the merge rules', async () => {
  const [dispatch, li, wang] = await Promise.all(['dispatch', 'eng.li', 'eng.wang'].map((u) => login(u)));
  const site = (await api(dispatch, 'GET', '/sites')).items[0];
  const created = await api(dispatch, 'POST', '/work-orders', {
    title: 'Offline merge: blast chiller alarm', description: 'Alarm E7 since the night shift.',
    priority: 'P2', channel: 'phone', site_id: site.id,
  });
  const W = created.work_order.id;
  const C = (await api(dispatch, 'POST', `/work-orders/${W}/checklist`,
    { label: 'Record chiller temperature', required: true })).id;
  await move(dispatch, W, { target: 'assigned', assignee_id: wang.me.id });
  // A note nobody edits later: only the pull's tombstone can take it off Wang's device.
  const earlyNote = await api(dispatch, 'POST', `/work-orders/${W}/notes`, { body: 'Customer called at 07:10.' });
  await move(wang, W, { target: 'accepted' });
  await move(wang, W, { target: 'en_route' });

  const [D, G, L] = await Promise.all([dispatch, wang, li].map((s) => createReplica(s, COLLECTIONS)));
  replicas.push(D, G, L);
  await Promise.all([D, G, L].map((r) => r.awaitInSync()));
  assert.equal((await G.get('work_orders', W))?.status, 'en_route');
  assert.equal((await G.get('work_order_notes', earlyNote.id))?.body, 'Customer called at 07:10.');
  assert.equal(await L.get('work_orders', W), null, 'not assigned to Li yet');

  // Wang (assignee) and the dispatcher go offline and edit.
  G.goOffline();
  D.goOffline();
  await patch(G, 'work_orders', W, { status: 'on_site', description: 'Wang: evaporator iced up', priority: 'P0' });
  await patch(G, 'checklist_items', C, { done: true, value: '-18C' });
  await patch(D, 'work_orders', W, { title: 'Offline merge: blast chiller 2 alarm', priority: 'P1' });
  const dispatcherNote = note(dispatch, W, 'Customer asks for a call before arrival.');
  await D.collection('work_order_notes').insert(dispatcherNote);
  const C2 = newId();
  await D.collection('checklist_items').insert({
    id: C2, work_order_id: W, position: 1, label: 'Photo of the nameplate', required: false,
    done: false, value: '', version: 1, updated_at: nowIso(),
  });

  // Reassigned to Li while Wang is offline; Li's device gets it, he accepts online (a push),
  // then goes offline and travels, edits, writes notes and fills the checklist.
  await move(dispatch, W, { target: 'assigned', assignee_id: li.me.id });
  await L.reSync();
  await L.awaitInSync();
  await patch(L, 'work_orders', W, { status: 'accepted' });
  await L.awaitInSync();
  assert.equal((await api(dispatch, 'GET', `/work-orders/${W}`)).work_order.status, 'accepted');
  L.goOffline();
  await patch(L, 'work_orders', W, {
    status: 'en_route', environment: 'roof unit, 35°C ambient', tags: ['ice', 'roof'],
    priority: 'P0', assignee_id: null,
  });
  const liNotes = ['Leaving the depot.', 'Parts: defrost heater.', 'ETA 40 min.'].map((b) => note(li, W, b));
  await L.collection('work_order_notes').bulkInsert(liNotes);
  await patch(L, 'checklist_items', C, { value: '-20C' });

  // Reconnect one device after the other, then let everyone pull what the others pushed.
  for (const replica of [G, L, D]) {
    replica.goOnline();
    await replica.awaitInSync();
  }
  for (const replica of [D, G, L]) {
    await replica.reSync();
    await replica.awaitInSync();
  }

  for (const replica of [D, G, L]) assert.deepEqual(replica.serverErrors, []);

  // The merge rules, on the server.
  const detail = await api(dispatch, 'GET', `/work-orders/${W}`);
  const wo = detail.work_order;
  assert.equal(wo.status, 'en_route', "Li's transitions; Wang's arrival is not his to make any more");
  assert.equal(wo.assignee_id, li.me.id, 'an engineer cannot unassign via push');
  assert.equal(wo.priority, 'P1', "the dispatcher's priority; engineers' P0 is not theirs to set");
  assert.equal(wo.title, 'Offline merge: blast chiller 2 alarm');
  assert.equal(wo.description, 'Alarm E7 since the night shift.', "Wang's edit came after he lost it");
  assert.equal(wo.environment, 'roof unit, 35°C ambient');
  assert.deepEqual(wo.tags, ['ice', 'roof']);
  const actions = detail.timeline.map((e) => e.action);
  assert.ok(actions.includes('transition:travel') && !actions.includes('transition:arrive'), actions.join());
  const checklist = new Map(detail.checklist.map((item) => [item.id, item]));
  assert.equal(checklist.get(C).value, '-20C');
  assert.equal(checklist.get(C).done, false);
  assert.equal(checklist.get(C2)?.label, 'Photo of the nameplate');
  const notes = detail.notes.map((n) => [n.id, n.author_id, n.body]).sort();
  const wanted = [...liNotes, dispatcherNote, earlyNote].map((n) => [n.id, n.author_id, n.body]).sort();
  assert.deepEqual(notes, wanted, 'every offline note exactly once, by its author');

  // Convergence: each device holds exactly what a fresh device of the same user pulls now.
  for (const replica of [D, G, L]) {
    const truth = await freshPull(replica.session, COLLECTIONS);
    for (const name of COLLECTIONS) {
      assert.deepEqual(normalized(await replica.docs(name)), normalized(truth[name]),
        `${replica.session.username}'s ${name} equal the server's`);
    }
  }
  const [dWo, lWo] = [await D.get('work_orders', W), await L.get('work_orders', W)];
  assert.deepEqual(normalized(dWo), normalized(lWo));
  assert.equal(dWo.version, wo.version);
  assert.equal(dWo.status, wo.status);
  // The work order, its notes and its checklist left Wang's device.
  assert.equal(await G.get('work_orders', W), null);
  assert.deepEqual(ofWorkOrder(await G.docs('work_order_notes'), W), []);
  assert.deepEqual(ofWorkOrder(await G.docs('checklist_items'), W), []);
});
