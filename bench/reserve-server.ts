/**
 * The API server for bench/reserve.ts and bench/offer.ts, in its own process so the load generator does not share its event
 * loop. Started with `fork`; reports `{url}` once listening and shuts down on 'stop' or when the parent goes.
 */
import { startServer } from '../src/server.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl || !process.send) {
  console.error(
    'bench/reserve-server.ts is started by bench/reserve.ts or bench/offer.ts (needs BENCH_DATABASE_URL and IPC)',
  );
  process.exit(2);
}
const poolSize = process.env.BENCH_POOL_SIZE ? Number(process.env.BENCH_POOL_SIZE) : undefined;
const offerCacheMs = process.env.BENCH_OFFER_CACHE_MS ? Number(process.env.BENCH_OFFER_CACHE_MS) : undefined;

const server = await startServer({
  databaseUrl,
  port: 0,
  host: '127.0.0.1',
  poolSize,
  offerCacheMs,
  logLevel: false,
  // The load comes from one address and key; the limiter stays in the path but never refuses.
  rateLimit: { max: 1_000_000_000, timeWindow: 60_000 },
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.close();
  // Exiting by an empty event loop rather than process.exit lets --cpu-prof write its profile.
  if (process.connected) process.disconnect();
}
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send({ url: server.url });
