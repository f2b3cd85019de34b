/**
 * Statements on the embedded engine, prepared once and then only bound and executed.
 *
 * PGlite's own `query` sends each statement as six protocol messages, one call into the engine each, and
 * the engine parses, analyses and plans it every time: about four fifths of a short statement's cost.
 * Here a statement is parsed and described once per database under a name of its own, as a server's
 * driver would prepare it, and each run after that is one call: bind, describe, execute, sync. Parameters
 * are written and rows read with PGlite's own serializers and parsers, so values come back exactly as
 * PGlite's `query` returns them.
 *
 * Prepared statements belong to the session, not to a transaction: one prepared in a transaction that
 * rolls back stays prepared. PostgreSQL re-plans one whose tables changed; a script (`exec`, which runs
 * the migrations) may change what one returns, so it forgets them all.
 */
import { type PGlite, parse, protocol } from '@electric-sql/pglite';

/** Enough for every statement the services write; statements built for a count (`IN ($1, …, $n)`) age out. */
const MAX_PREPARED = 1000;

interface Prepared {
  readonly name: string;
  /** The type of each parameter, as PostgreSQL inferred it: it picks the serializer. */
  readonly parameterTypes: readonly number[];
}

type ParameterDescription = { name: 'parameterDescription'; dataTypeIDs: number[] };

export interface EmbeddedStatements {
  /** Runs one statement; `inTransaction` when called from inside `db.transaction`, which holds its lock. */
  query<Row>(sql: string, params: readonly unknown[] | undefined, inTransaction: boolean): Promise<Row[]>;
  /** How many statements have run. */
  run(): number;
  /** Forgets every prepared statement (before a script that may change tables). */
  forget(inTransaction: boolean): Promise<void>;
}

export function embeddedStatements(db: PGlite): EmbeddedStatements {
  const { serialize } = protocol;
  const prepared = new Map<string, Prepared>();
  let named = 0;
  let run = 0;

  /** Runs protocol messages and returns the engine's answers; throws the database's error, if any. */
  const send = (messages: Uint8Array[], inTransaction: boolean) =>
    db.execProtocolStream(concat(messages), { syncToFs: !inTransaction });

  /** Alone with the engine: inside a transaction its lock is held already; outside, none may be open. */
  const exclusive = <T>(inTransaction: boolean, work: () => Promise<T>) =>
    inTransaction
      ? db._runExclusiveQuery(work)
      : db._runExclusiveTransaction(() => db._runExclusiveQuery(work));

  async function prepare(sql: string, inTransaction: boolean): Promise<Prepared> {
    const known = prepared.get(sql);
    if (known) {
      // Most recently used last, so the first is the one to close when there are too many.
      prepared.delete(sql);
      prepared.set(sql, known);
      return known;
    }
    const name = `presell_${++named}`;
    const messages = [serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name })];
    const oldest = prepared.size >= MAX_PREPARED ? prepared.keys().next().value : undefined;
    if (oldest !== undefined) {
      messages.push(serialize.close({ type: 'S', name: (prepared.get(oldest) as Prepared).name }));
      prepared.delete(oldest);
    }
    const answers = await send([...messages, serialize.sync()], inTransaction);
    const description = answers.find((m) => m.name === 'parameterDescription') as
      | ParameterDescription
      | undefined;
    const statement = { name, parameterTypes: description?.dataTypeIDs ?? [] };
    prepared.set(sql, statement);
    return statement;
  }

  return {
    query: <Row>(sql: string, params: readonly unknown[] = [], inTransaction = false) =>
      exclusive(inTransaction, async () => {
        run++;
        const statement = await prepare(sql, inTransaction);
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const write = db.serializers[statement.parameterTypes[i] as number];
          return write ? write(value) : String(value);
        });
        const answers = await send(
          [
            serialize.bind({ statement: statement.name, values }),
            serialize.describe({ type: 'P' }),
            serialize.execute({}),
            serialize.sync(),
          ],
          inTransaction,
        );
        return (parse.parseResults(answers, db.parsers)[0]?.rows ?? []) as Row[];
      }),
    run: () => run,
    forget: (inTransaction) =>
      exclusive(inTransaction, async () => {
        if (prepared.size === 0) return;
        prepared.clear();
        await send([serialize.query('DEALLOCATE ALL')], inTransaction);
      }),
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}
