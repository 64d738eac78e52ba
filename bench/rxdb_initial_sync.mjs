// A fresh RxDB client (Node, in-memory storage) runs its initial sync of work_orders against a
// running server: the time from "replication starts" to "in sync", pulling pages of 500.
// Run by bench/sync_pull.py; alone: BASE_URL=... TENANT=... USERNAME=... PASSWORD=... EXPECTED=...
//   node bench/rxdb_initial_sync.mjs
import { createReplica, login } from '../tests/e2e/rxdb/harness.mjs';

const { TENANT, USERNAME, PASSWORD, EXPECTED } = process.env;
const session = await login(USERNAME, { tenant: TENANT, password: PASSWORD });
const started = performance.now();
const replica = await createReplica(session, ['work_orders'], { pullBatchSize: 500, live: false });
await replica.awaitInSync();
const seconds = (performance.now() - started) / 1000;
const count = (await replica.collection('work_orders').find().exec()).length;
await replica.close();
if (count !== Number(EXPECTED)) throw new Error(`replica holds ${count}, expected ${EXPECTED}`);
console.log(JSON.stringify({ documents: count, seconds }));
