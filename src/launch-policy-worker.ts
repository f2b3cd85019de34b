/**
 * A worker thread that plays one policy's launch (src/launch-simulator.ts starts one per policy): it says
 * the day it could stop, waits to hear until which day every policy plays, and sends back its figures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromPolicyWorker,
  type PolicyInput,
  playPolicy,
  type ToPolicyWorker,
} from './launch-simulator.ts';

const port = parentPort;
if (!port) throw new Error('launch-policy-worker.ts runs only as a worker thread');
const send = (message: FromPolicyWorker) => port.postMessage(message);
const run = await playPolicy(workerData as PolicyInput, (stoppedOn) => {
  send({ stoppedOn });
  return new Promise((resolve) =>
    port.once('message', (message: ToPolicyWorker) => resolve(message.playUntil)),
  );
});
send({ run });
