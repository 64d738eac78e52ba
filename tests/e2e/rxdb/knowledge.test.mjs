// The knowledge base on a real RxDB replica: an engineer's device holds exactly the published
// articles (the first sync comes in parts, their asset families first, through small pages),
// an archived article leaves it, and a note written offline that inserted an article reaches
// the server as that work order's citation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api, createReplica, login } from './harness.mjs';

let admin, li, dispatch;
const replicas = [];

/** Every published article an engineer may read (all pages of the REST list). */
async function publishedIds(session) {
  const ids = [];
  let cursor = null;
  do {
    const page = await api(session, 'GET', `/kb/articles?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids.sort();
}

before(async () => {
  [admin, li, dispatch] = await Promise.all([login('admin'), login('eng.li'), login('dispatch')]);
});

after(async () => Promise.all(replicas.map((r) => r.close())));

test("an engineer's replica holds the published articles, and loses an archived one", async () => {
  const draft = await api(admin, 'POST', '/kb/articles', { title: 'RxDB draft, never published' });
  const doomed = await api(admin, 'POST', '/kb/articles', { title: 'RxDB 待归档', publish: true });
  const device = await createReplica(li, ['kb_articles'], { pullBatchSize: 3 });
  replicas.push(device);
  await device.awaitInSync();
  const held = (await device.docs('kb_articles')).map((doc) => doc.id).sort();
  assert.deepEqual(held, await publishedIds(li));
  assert.ok(held.length > 3, 'the demo knowledge base spans several pages');
  assert.ok(!held.includes(draft.id));
  assert.ok(held.includes(doomed.id));

  await api(admin, 'POST', `/kb/articles/${doomed.id}/archive`);
  await device.reSync();
  await device.awaitInSync();
  const after = (await device.docs('kb_articles')).map((doc) => doc.id);
  assert.ok(!after.includes(doomed.id));
  assert.deepEqual(device.fatal, []);
  assert.deepEqual(device.serverErrors, []);
});

test('a note written offline that inserted an article is a citation once it syncs', async () => {
  const site = (await api(dispatch, 'GET', '/sites')).items[0];
  const created = await api(dispatch, 'POST', '/work-orders', {
    title: 'RxDB citation: compressor short cycling', site_id: site.id,
  });
  const workOrder = created.work_order.id;
  await api(dispatch, 'POST', `/work-orders/${workOrder}/transitions`,
    { target: 'assigned', assignee_id: li.me.id });
  const found = await api(li, 'GET', `/kb/search?q=${encodeURIComponent('压缩机')}&limit=1`);
  const article = found.items[0];
  assert.ok(article, 'the demo knowledge base has a compressor article');

  const device = await createReplica(li, ['work_orders', 'work_order_notes', 'kb_articles']);
  replicas.push(device);
  await device.awaitInSync();
  device.goOffline();
  const note = {
    id: randomUUID(), work_order_id: workOrder, body: `按知识库：${article.title}`,
    kb_article_id: article.article_id, kb_article_version: article.version,
    device_time: new Date().toISOString(),
  };
  await device.collection('work_order_notes').insert(note);
  device.goOnline();
  await device.reSync();
  await device.awaitInSync();
  const citations = (await api(dispatch, 'GET', `/work-orders/${workOrder}/citations`)).items;
  assert.deepEqual(
    citations.map((c) => [c.article_id, c.article_version, c.note_id, c.channel]),
    [[article.article_id, article.version, note.id, 'sync']],
  );
  assert.deepEqual(device.fatal, []);
});
