import { type Column, type OutputFormat, renderDocument, renderRecord, renderTable } from './format';

export interface OutputStreams {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Where a command writes: its result on stdout in the chosen format (json/yaml: the API's
 * document as is), notes for people on stderr unless --quiet.
 */
export class Output {
  constructor(
    readonly format: OutputFormat,
    readonly quiet: boolean,
    private readonly streams: OutputStreams,
  ) {}

  /** A list page: a table of `columns` for people, the whole page document for scripts. */
  list(page: { data: unknown[] }, columns: Column[]): void {
    if (this.format !== 'table') return this.streams.out(renderDocument(page, this.format));
    this.streams.out(renderTable(page.data, columns));
    const next = (page as { next_cursor?: string | null }).next_cursor;
    if (next) this.note(`more results: --cursor ${next} (or --all)`);
  }

  /** One resource: `field  value` lines for people, the document for scripts. */
  record(doc: unknown): void {
    if (this.format === 'table' && doc && typeof doc === 'object' && !Array.isArray(doc)) {
      return this.streams.out(renderRecord(doc as Record<string, unknown>));
    }
    this.document(doc);
  }

  /** A document in json/yaml, or as prepared text in table mode. */
  document(doc: unknown, tableText?: string): void {
    if (this.format === 'table') return this.streams.out(tableText ?? renderDocument(doc, 'yaml'));
    this.streams.out(renderDocument(doc, this.format));
  }

  /** Raw text to stdout (PEM, completion scripts). */
  raw(text: string): void {
    this.streams.out(text);
  }

  /** A line for people on stderr (progress, hints); silent with --quiet. */
  note(line: string): void {
    if (!this.quiet) this.streams.err(`${line}\n`);
  }
}
