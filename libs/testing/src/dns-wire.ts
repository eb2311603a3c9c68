// Just enough of the DNS wire format (RFC 1035) for the challenge test server: parse a
// query's header and question, write an authoritative answer of A, AAAA and TXT records.

export const DNS_TYPE = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsQuery {
  id: number;
  flags: number;
  opcode: number;
  qdcount: number;
  question?: DnsQuestion;
  /** The question section's bytes, echoed in the answer. */
  questionBytes?: Buffer;
}

export interface DnsAnswer {
  type: number;
  ttl: number;
  data: Buffer;
}

export class DnsFormatError extends Error {}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it. */
export function readName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let jumps = 0; ;) {
    if (pos >= msg.length) throw new DnsFormatError('name runs past the message');
    const len = msg[pos]!;
    if (len === 0) {
      pos += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length || ++jumps > 20) throw new DnsFormatError('bad compression pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > msg.length) throw new DnsFormatError('bad label');
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.join('.'), next: next < 0 ? pos : next };
}

export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length > 63) throw new DnsFormatError(`label "${l}" is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Parses a query's header and first question; throws DnsFormatError on a malformed one. */
export function parseQuery(msg: Buffer): DnsQuery {
  if (msg.length < 12) throw new DnsFormatError('message shorter than a header');
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qdcount = msg.readUInt16BE(4);
  const query: DnsQuery = { id, flags, opcode: (flags >> 11) & 0xf, qdcount };
  if (qdcount >= 1) {
    const { name, next } = readName(msg, 12);
    if (next + 4 > msg.length) throw new DnsFormatError('question runs past the message');
    query.question = { name, type: msg.readUInt16BE(next), class: msg.readUInt16BE(next + 2) };
    query.questionBytes = Buffer.concat([encodeName(name), msg.subarray(next, next + 4)]);
  }
  return query;
}

/** An authoritative response: the question echoed, the answers named by a pointer to it. */
export function encodeResponse(q: DnsQuery, rcode: number, answers: DnsAnswer[] = []): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR=1, opcode echoed, AA=1, RD echoed, RA=1, rcode.
  const flags = 0x8000 | (q.opcode << 11) | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  const question = q.questionBytes ?? Buffer.alloc(0);
  header.writeUInt16BE(question.length ? 1 : 0, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((a) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the question's name, at offset 12
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(a.ttl, 6);
    rr.writeUInt16BE(a.data.length, 10);
    return Buffer.concat([rr, a.data]);
  });
  return Buffer.concat([header, question, ...records]);
}

/** A response cut to its header and question, with TC set (the client retries over TCP). */
export function truncated(response: Buffer, questionLength: number): Buffer {
  const out = Buffer.from(response.subarray(0, 12 + questionLength));
  out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}

/** TXT RDATA: the value split into character-strings of at most 255 bytes. */
export function txtData(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    if (bytes.length === 0) break;
  }
  return Buffer.concat(parts);
}
