/**
 * Checking input bytes before they become strings: strict UTF-8 (no silent U+FFFD), a stated
 * size limit per file and per item, and, when something is wrong, where: the byte offset, the
 * line and column, and for JSON the item and field it sits in.
 *
 * One pass over the bytes, fed in chunks (a file or stdin is checked as it streams in, and the
 * check stops at the first problem: a 50 MB line is refused after 1 MiB of it, not parsed).
 * The JSON structure is followed just enough to name the place (array index, object key); it
 * is not a JSON validator: JSON.parse does that afterwards, on text known to be clean.
 */
import { FtlabError } from '../errors.ts';

/** The stated limits (README "Limits"). An item is a JSON-lines line, a CSV row, a JSON string. */
export const INPUT_LIMITS = {
  /** A whole file (the paper's largest is 3.3 MB). */
  fileBytes: 256 * 1024 * 1024,
  /** One item: a line of JSON lines or CSV, one string value of a JSON file (the paper's longest is ~60 kB). */
  itemBytes: 1024 * 1024,
} as const;

export type InputLimits = { fileBytes: number; itemBytes: number };

/** How the bytes are laid out: one JSON document, or one item per line (JSON lines; CSV, whose structure is not followed). */
export type ByteLayout = 'json' | 'lines' | 'csv';

export type InputBytesProblem = 'invalid-utf8' | 'item-too-large' | 'file-too-large';

/** Bad bytes: invalid UTF-8, or over a stated limit. The message names the place. */
export class InputBytesError extends FtlabError {
  constructor(
    readonly problem: InputBytesProblem,
    readonly source: string,
    readonly offset: number,
    message: string,
    hint: string,
  ) {
    super(problem === 'invalid-utf8' ? 'input-encoding' : 'input-too-large', message, hint);
  }
}

const hex = (b: number): string => b.toString(16).padStart(2, '0');
const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

type Frame = { kind: 'array'; index: number } | { kind: 'object'; key: string | undefined; expectKey: boolean };

/** Incremental checker: feed() chunks in order, then end(). Throws InputBytesError. */
export class ByteChecker {
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  private lineHasContent = false;
  /** JSON lines: how many non-blank lines came before this one (the item index). */
  private itemsBefore = 0;
  // UTF-8 decoder state
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private seqStart = 0;
  private lead = 0;
  // JSON structure
  private readonly stack: Frame[] = [];
  private inString = false;
  private escape = false;
  private stringStart = 0;
  private stringBytes: number[] | undefined = [];
  private lastString: string | undefined;
  private readonly limits: InputLimits;

  constructor(
    private readonly source: string,
    private readonly layout: ByteLayout,
    limits: Partial<InputLimits> = {},
  ) {
    this.limits = { ...INPUT_LIMITS, ...limits };
  }

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const at = this.offset;
      this.offset++;
      this.utf8(b, at);
      if (b === 0x0a) {
        this.endLine(at);
        continue;
      }
      if (this.layout !== 'json') {
        if (b !== 0x20 && b !== 0x09 && b !== 0x0d) this.lineHasContent = true;
        if (at - this.lineStart >= this.limits.itemBytes) {
          this.fail('item-too-large', at, `line ${this.line} is longer than ${MiB(this.limits.itemBytes)}, the limit for one item`, 'split the item, or shorten it: ftlab refuses items over the limit rather than run out of memory');
        }
      }
      if (this.layout !== 'csv') this.json(b, at);
    }
    if (this.offset > this.limits.fileBytes) {
      this.fail('file-too-large', this.limits.fileBytes, `larger than ${MiB(this.limits.fileBytes)}, the limit for one file`, 'split the file');
    }
  }

  end(): void {
    if (this.need > 0) this.fail('invalid-utf8', this.seqStart, 'invalid UTF-8 (the file ends inside a multi-byte character)', 'save the file as UTF-8');
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.offset;
  }

  private endLine(at: number): void {
    if (this.layout !== 'json') {
      if (this.lineHasContent) this.itemsBefore++;
      this.stack.length = 0;
      this.inString = false;
      this.escape = false;
    }
    this.line++;
    this.lineStart = at + 1;
    this.lineHasContent = false;
  }

  /** The UTF-8 well-formedness table of the Unicode standard (table 3-7), byte by byte. */
  private utf8(b: number, at: number): void {
    if (this.need === 0) {
      if (b < 0x80) return;
      this.seqStart = at;
      this.lead = b;
      this.lower = 0x80;
      this.upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) this.need = 1;
      else if (b >= 0xe0 && b <= 0xef) {
        this.need = 2;
        if (b === 0xe0) this.lower = 0xa0;
        if (b === 0xed) this.upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        this.need = 3;
        if (b === 0xf0) this.lower = 0x90;
        if (b === 0xf4) this.upper = 0x8f;
      } else this.badByte(at, `byte 0x${hex(b)} cannot ${b >= 0x80 && b < 0xc0 ? 'continue a character here' : 'start a character'}`);
      return;
    }
    if (b < this.lower || b > this.upper) this.badByte(this.seqStart, `byte 0x${hex(this.lead)} starts a character that byte 0x${hex(b)} does not continue`);
    this.lower = 0x80;
    this.upper = 0xbf;
    this.need--;
  }

  private badByte(seqStart: number, what: string): void {
    this.fail('invalid-utf8', seqStart, `invalid UTF-8: ${what}`, 'save it as UTF-8; ftlab does not replace bad bytes with U+FFFD');
  }

  private json(b: number, at: number): void {
    if (this.inString) {
      if (this.escape) this.escape = false;
      else if (b === 0x5c) this.escape = true;
      else if (b === 0x22) {
        this.inString = false;
        this.lastString = this.stringBytes ? new TextDecoder().decode(new Uint8Array(this.stringBytes)) : undefined;
        return;
      }
      if (this.stringBytes) {
        this.stringBytes.push(b);
        if (this.stringBytes.length > 200) this.stringBytes = undefined; // only short strings can be keys worth naming
      }
      if (this.layout === 'json' && at - this.stringStart > this.limits.itemBytes) {
        this.fail('item-too-large', this.stringStart, `a string longer than ${MiB(this.limits.itemBytes)}, the limit for one item`, 'shorten it: ftlab refuses items over the limit rather than run out of memory');
      }
      return;
    }
    const top = this.stack[this.stack.length - 1];
    switch (b) {
      case 0x22:
        this.inString = true;
        this.stringStart = at;
        this.stringBytes = [];
        break;
      case 0x7b:
        this.stack.push({ kind: 'object', key: undefined, expectKey: true });
        break;
      case 0x5b:
        this.stack.push({ kind: 'array', index: 0 });
        break;
      case 0x7d:
      case 0x5d:
        this.stack.pop();
        break;
      case 0x3a:
        if (top?.kind === 'object') {
          top.key = this.lastString;
          top.expectKey = false;
        }
        break;
      case 0x2c:
        if (top?.kind === 'array') top.index++;
        else if (top?.kind === 'object') top.expectKey = true;
        break;
    }
  }

  /** "line 3, column 12, item 2, field \"input\"". */
  private where(offset: number): string {
    const parts = [`line ${this.line}`, `column ${offset - this.lineStart + 1}`];
    const frames = this.stack;
    let item: number | undefined;
    let field: string | undefined;
    if (this.layout === 'csv') {
      // CSV: the line is the place (rows may span lines; the header is line 1).
    } else if (this.layout === 'lines') {
      item = this.itemsBefore;
      const obj = frames[0];
      if (obj?.kind === 'object' && !obj.expectKey) field = obj.key;
    } else {
      const arr = frames[0];
      if (arr?.kind === 'array') item = arr.index;
      const obj = frames[1];
      if (obj?.kind === 'object' && !obj.expectKey) field = obj.key;
    }
    if (item !== undefined) parts.push(`item ${item}`);
    if (field !== undefined) parts.push(`field ${JSON.stringify(field)}`);
    return parts.join(', ');
  }

  private fail(problem: InputBytesProblem, offset: number, detail: string, hint: string): never {
    const where = problem === 'file-too-large' ? '' : ` (byte offset ${offset}, ${this.where(offset)})`;
    throw new InputBytesError(problem, this.source, offset, `${this.source}${where}: ${detail}`, hint);
  }
}

/** Check a whole buffer, then decode it (a leading BOM dropped). */
export function decodeCheckedText(bytes: Uint8Array, source: string, layout: ByteLayout, limits: Partial<InputLimits> = {}): string {
  const checker = new ByteChecker(source, layout, limits);
  checker.feed(bytes);
  checker.end();
  return new TextDecoder('utf-8').decode(bytes);
}

/** A dataset file name's layout: JSON lines and CSV are one item per line; JSON is one document. */
export function layoutOf(source: string, firstByte: number | undefined): ByteLayout {
  const lower = source.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'lines';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return firstByte === 0x5b ? 'json' : firstByte === 0x7b ? 'lines' : 'csv';
}
