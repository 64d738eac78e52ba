// The second scenario: the server dies (SIGKILL) in the middle of a 200-document push and
// comes back; RxDB retries what it did not hear back about. Every note must be applied exactly
// once — including the batch the server committed but could not answer (a replay).
// This file starts its own server (SERVER_CMD / SERVER_ENV / SERVER_CWD, set by
// tests/e2e/test_rxdb.py) on the shared database, because it has to kill it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { api, createReplica, freshPull, login, newId, normalized, nowIso } from './harness.mjs';

const SKIP = process.env.SERVER_CMD ? false : 'SERVER_CMD is not set: run through tests/e2e/test_rxdb.py';
const NOTES = 200;

const freePort = () => new Promise((resolve, reject) => {
  const probe = net.createServer().once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

/** `fieldops serve` on a fixed port, so a restarted server is the same address. */
class ServerProcess {
  constructor(port) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.output = '';
  }

  async start() {
    const [cmd, ...args] = JSON.parse(process.env.SERVER_CMD);
    const env = { ...process.env, ...JSON.parse(process.env.SERVER_ENV ?? '{}'), FIELDOPS_PORT: String(this.port) };
    this.process = spawn(cmd, args, { cwd: process.env.SERVER_CWD, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(this.process, 'exit');
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream.on('data', (chunk) => { this.output = (this.output + chunk).slice(-20_000); });
    }
    for (let tries = 0; tries < 300; tries++) { // polling readiness, at most ~30 s
      const ready = await fetch(`${this.url}/health/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      if (this.process.exitCode !== null) break;
      await Promise.race([delay(100), exited]);
    }
    throw new Error(`server did not become ready:\n${this.output}`);
  }

  async kill(signal = 'SIGKILL') {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill(signal);
    // A graceful stop gets 15 s; a server that does not stop must not hang the test run.
    const stopped = await Promise.race([exited.then(() => true), delay(15_000, false, { ref: false })]);
    if (!stopped) {
      this.process.kill('SIGKILL');
      await exited;
    }
  }
}

let server;
const replicas = [];
after(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await server?.kill('SIGTERM');
});

test(`SIGKILL in the middle of a ${NOTES}-note push: every note applied exactly once`, { skip: SKIP }, async () => {
  server = new ServerProcess(await freePort());
  await server.start();
  const baseUrl = server.url;
  const [dispatch, li] = await Promise.all([login('dispatch', { baseUrl }), login('eng.li', { baseUrl })]);
  const site = (await api(dispatch, 'GET', '/sites')).items[0];
  const W = (await api(dispatch, 'POST', '/work-orders', {
    title: 'Crash replay: freezer 4 door alarm', priority: 'P1', channel: 'phone', site_id: site.id,
  })).work_order.id;
  await api(dispatch, 'POST', `/work-orders/${W}/transitions`, { target: 'assigned', assignee_id: li.me.id });

  // RxDB sends a push's batches concurrently. The third batch to go out is committed, then the
  // server is SIGKILLed before the client reads the answer (it is lost), killing whatever other
  // batches are in flight with it; the server restarts and RxDB retries every failed batch.
  let crashed = null;
  let armed = false;
  const pushHook = async ({ collection, rows, call, send }) => {
    if (!armed || crashed || collection !== 'work_order_notes' || call < 3) return send();
    crashed = { call, ids: rows.map((r) => r.newDocumentState.id) };
    await send();
    await server.kill('SIGKILL');
    await server.start();
    throw new Error('connection lost before the answer arrived');
  };
  const L = await createReplica(li, ['work_orders', 'work_order_notes'], { pushBatchSize: 10, pushHook });
  replicas.push(L);
  await L.awaitInSync();

  L.goOffline();
  const notes = Array.from({ length: NOTES }, (_, i) => ({
    id: newId(), work_order_id: W, author_id: li.me.id, body: `Hourly reading ${i}: -19°C`,
    created_at: nowIso(), device_time: nowIso(),
  }));
  await L.collection('work_order_notes').bulkInsert(notes);
  armed = true;
  L.goOnline();
  try {
    await L.awaitInSync();
    await L.reSync();
    await L.awaitInSync();
  } catch (error) {
    error.message += `\n--- server output ---\n${server.output.slice(-4000)}`;
    throw error;
  }

  assert.ok(crashed, 'the server was killed during the push');
  assert.deepEqual(L.serverErrors, [], 'connections die with the server; no request fails inside it');
  const sameBatch = (ids) => [...ids].sort().join() === [...crashed.ids].sort().join();
  const replayed = L.pushLog.filter((e) => e.conflicts && sameBatch(e.ids));
  assert.ok(replayed.length >= 2, 'the committed-but-unanswered batch was sent again and answered');

  const stored = (await api(dispatch, 'GET', `/work-orders/${W}/notes`)).items;
  assert.equal(stored.length, NOTES);
  assert.deepEqual(stored.map((n) => n.id).sort(), notes.map((n) => n.id).sort());
  assert.ok(stored.every((n) => n.author_id === li.me.id));
  const { timeline } = await api(dispatch, 'GET', `/work-orders/${W}`);
  assert.equal(timeline.filter((e) => e.action === 'note_added').length, NOTES, 'one timeline entry per note');

  // The device converged: it holds exactly what a fresh device of Li pulls now.
  const truth = await freshPull(li, ['work_order_notes']);
  assert.deepEqual(normalized(await L.docs('work_order_notes')), normalized(truth.work_order_notes));
});
