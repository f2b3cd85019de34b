import { appendFileSync } from 'node:fs';
import type { Consumer } from '../../src/outbox/relay.ts';

/** A consumer that logs each delivery to a file, for processes that share nothing but the file. */
export function fileConsumer(log: string, options: { hangOn?: string } = {}): Consumer {
  return {
    name: 'files',
    types: ['variant.created'],
    async deliver(event, delivery) {
      appendFileSync(log, `${delivery.key} started\n`);
      if (event.data.sku === options.hangOn) await new Promise(() => {});
      appendFileSync(log, `${delivery.key} finished\n`);
    },
  };
}
