/**
 * CSV as RFC 4180 writes it: fields quoted when they hold a comma, quote or line break, rows ended by CRLF.
 * Reading streams: rows come out as their bytes come in, so a file of any length takes constant memory.
 */

/**
 * One field, quoted as needed, with a leading =, +, - or @ neutralised so a spreadsheet does not run it as
 * a formula; a number or a phone number (+44 20 7946 0000, -120) is left as it is.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) && !/^[+-][\d\s().]+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row, ended by CRLF. */
export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map((value) => csvField(value == null ? '' : String(value))).join(',')}\r\n`;
}

export interface CsvRecord {
  /** The line the record starts on, counting from 1 (the header is line 1). */
  line: number;
  fields: string[];
}

/** A file that is not CSV as we read it: a quote left open, or a quote inside an unquoted field. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * The records of a CSV stream, one at a time. Blank lines are skipped; a UTF-8 byte order mark is dropped.
 * Quoted fields may hold commas, quotes ("") and line breaks.
 */
export async function* readCsv(source: AsyncIterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  /** After a closing quote: only a separator or a line end may follow. */
  let closed = false;
  let line = 1;
  let recordLine = 1;
  let first = true;
  let pendingCr = false;
  /** A quote ended the last chunk inside a quoted field: the next character says whether it was doubled. */
  let lookahead = false;
  const endRecord = function* (): Generator<CsvRecord> {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !closed;
    if (!blank) yield { line: recordLine, fields };
    fields = [];
    field = '';
    closed = false;
  };
  const consume = function* (text: string): Generator<CsvRecord> {
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (char === '\n') continue;
      }
      if (quoted) {
        if (char === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else if (i + 1 < text.length) {
            quoted = false;
            closed = true;
          } else {
            // The next chunk says whether this quote is doubled.
            quoted = false;
            closed = true;
            lookahead = true;
          }
        } else {
          if (char === '\n') line++;
          field += char;
        }
        continue;
      }
      if (lookahead) {
        lookahead = false;
        if (char === '"') {
          field += '"';
          quoted = true;
          closed = false;
          continue;
        }
      }
      if (char === ',') {
        fields.push(field);
        field = '';
        closed = false;
      } else if (char === '\n' || char === '\r') {
        yield* endRecord();
        line++;
        recordLine = line;
        pendingCr = char === '\r';
      } else if (char === '"') {
        if (field !== '' || closed) throw new CsvSyntaxError(line, 'a quote inside an unquoted field');
        quoted = true;
      } else {
        if (closed) throw new CsvSyntaxError(line, 'text after a closing quote');
        field += char;
      }
    }
  };
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    yield* consume(text);
  }
  yield* consume(decoder.decode());
  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted field is never closed');
  if (field !== '' || fields.length > 0 || closed) yield* endRecord();
}
