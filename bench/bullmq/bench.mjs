// BullMQ queue benchmark (peer comparison for the RevOS Rust queue).
// Prints exactly one JSON object on stdout; all logs go to stderr.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Queue, Worker } from 'bullmq';

const require = createRequire(import.meta.url);
const BULLMQ_VERSION = require('bullmq/package.json').version;
const OVERALL_TIMEOUT_MS = 10 * 60 * 1000;
const CHUNK = 100;

const log = (...a) => console.error('[bench]', ...a);

function parseArgs(argv) {
  const o = { jobs: 20000, concurrency: 50, delayed: 2000, redis: 'redis://127.0.0.1:6379' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = a.match(/^--([a-z]+)(?:=(.*))?$/);
    if (!m || !(m[1] in o)) throw new Error(`unknown argument: ${a}`);
    const v = m[2] !== undefined ? m[2] : argv[++i];
    if (v === undefined) throw new Error(`missing value for --${m[1]}`);
    if (m[1] === 'redis') o.redis = v;
    else {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || (m[1] !== 'delayed' && n < 1)) throw new Error(`bad value for --${m[1]}: ${v}`);
      o[m[1]] = n;
    }
  }
  return o;
}

function connectionFromUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`only redis:// URLs supported, got ${url}`);
  const c = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), maxRetriesPerRequest: null };
  if (u.username) c.username = decodeURIComponent(u.username);
  if (u.password) c.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) c.db = Number(db);
  return c;
}

// nearest-rank percentile on a sorted array
function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

const round = (x, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const N = opts.jobs, C = opts.concurrency, M = opts.delayed;
  const connection = connectionFromUrl(opts.redis);
  const queueName = `bench-${Date.now()}-${process.pid}`;
  log(`bullmq ${BULLMQ_VERSION}, node ${process.version}, queue ${queueName}, jobs=${N} concurrency=${C} delayed=${M}`);

  const queue = new Queue(queueName, {
    connection,
    // Defaults otherwise (attempts=1, no backoff, removeOnFail=false). Completed jobs
    // are trimmed to the last 1000 to keep Redis memory bounded.
    defaultJobOptions: { removeOnComplete: { count: 1000 } },
  });
  await queue.waitUntilReady();

  let worker;
  const cleanup = async () => {
    try { if (worker) await worker.close(true); } catch (e) { log('worker close error', e); }
    try { await queue.obliterate({ force: true }); } catch (e) { log('obliterate error', e); }
    try { await queue.close(); } catch (e) { log('queue close error', e); }
  };

  try {
    // ---- Phase 1: enqueue N no-op jobs with addBulk, sequential chunks of 100.
    const t0 = performance.now();
    for (let i = 0; i < N; i += CHUNK) {
      const n = Math.min(CHUNK, N - i);
      const batch = new Array(n);
      for (let j = 0; j < n; j++) batch[j] = { name: 'noop', data: { i: i + j } };
      await queue.addBulk(batch);
    }
    const enqueueSec = (performance.now() - t0) / 1000;
    const enqueuePerS = N / enqueueSec;
    log(`enqueue: ${N} jobs in ${enqueueSec.toFixed(3)}s = ${enqueuePerS.toFixed(0)}/s`);

    // ---- Phase 2: one Worker, concurrency C, async no-op processor.
    const lateness = [];
    let noopDone = 0, delayedDone = 0, failed = 0;
    let resolveNoop, resolveDelayed;
    const noopAll = new Promise((r) => (resolveNoop = r));
    const delayedAll = new Promise((r) => (resolveDelayed = r));
    if (M === 0) resolveDelayed();

    worker = new Worker(
      queueName,
      async (job) => {
        if (job.name === 'delayed') {
          lateness.push(Date.now() - (job.timestamp + (job.opts.delay || 0)));
        }
        return undefined;
      },
      { connection, concurrency: C, autorun: false },
    );
    worker.on('completed', (job) => {
      if (job.name === 'noop') { if (++noopDone === N) resolveNoop(); }
      else if (job.name === 'delayed') { if (++delayedDone === M) resolveDelayed(); }
    });
    worker.on('failed', (job, err) => { failed++; log('job failed', job && job.id, err && err.message); });
    worker.on('error', (err) => log('worker error', err && err.message));
    await worker.waitUntilReady();

    const t1 = performance.now();
    const running = worker.run();
    running.catch((e) => log('worker.run rejected', e));
    await noopAll;
    const processSec = (performance.now() - t1) / 1000;
    const processPerS = N / processSec;
    log(`process: ${N} jobs in ${processSec.toFixed(3)}s = ${processPerS.toFixed(0)}/s`);

    // ---- Phase 3: worker idle; add M delayed jobs individually, delay uniform 100..3000 ms.
    const t2 = performance.now();
    for (let i = 0; i < M; i++) {
      const delay = 100 + Math.floor(Math.random() * 2901);
      await queue.add('delayed', { i }, { delay });
    }
    log(`added ${M} delayed jobs in ${((performance.now() - t2) / 1000).toFixed(3)}s`);
    await delayedAll;
    lateness.sort((a, b) => a - b);
    log(`delayed: ${lateness.length} processed; ${failed} failures total`);

    const cpus = os.cpus();
    const result = {
      peer: 'bullmq',
      bullmq_version: BULLMQ_VERSION,
      node_version: process.version,
      jobs: N,
      concurrency: C,
      delayed: M,
      enqueue_per_s: round(enqueuePerS),
      process_per_s: round(processPerS),
      lateness_p50_ms: pct(lateness, 50),
      lateness_p99_ms: pct(lateness, 99),
      lateness_max_ms: lateness.length ? lateness[lateness.length - 1] : null,
      machine: { cores: cpus.length, cpu_model: cpus[0] ? cpus[0].model : null },
    };
    await cleanup();
    return result;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

const timer = setTimeout(() => {
  log(`overall timeout of ${OVERALL_TIMEOUT_MS / 1000}s exceeded, aborting`);
  process.exit(2);
}, OVERALL_TIMEOUT_MS);

main().then(
  (result) => {
    clearTimeout(timer);
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
  },
  (err) => {
    log('benchmark failed:', err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
