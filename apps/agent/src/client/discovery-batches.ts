import type { DiscoveryReport } from './gateway-client';
import { GatewayError } from './http';

/** What one discovery request may hold: the gateway refuses bodies over CERTCTL_MAX_BODY_BYTES (1 MiB by default) and reports over 5,000 entries. */
export interface BatchLimits {
  maxBytes: number;
  maxEntries: number;
}

/**
 * Well under the gateway's default 1 MiB body limit; the server's own cap is 5,000 certificates
 * and 5,000 errors per report. A gateway configured lower answers 413: the batch is then halved.
 */
export const DISCOVERY_BATCH_LIMITS: BatchLimits = { maxBytes: 768 * 1024, maxEntries: 5000 };

export interface DiscoveryAnswer {
  received: number;
  new: number;
  rejected: { index: number; path: string; error: string }[];
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Splits a report into reports that each fit `limits` (same scanned_at and directories, the
 * certificates then the errors in order). A report that fits is returned as the only batch.
 */
export function splitDiscoveryReport(report: DiscoveryReport, limits: BatchLimits = DISCOVERY_BATCH_LIMITS): DiscoveryReport[] {
  const empty = (): DiscoveryReport => ({ scanned_at: report.scanned_at, directories: report.directories, certificates: [], errors: [] });
  const baseBytes = jsonBytes(empty());
  const batches = [empty()];
  let bytes = baseBytes;
  let entries = 0;
  function place<K extends 'certificates' | 'errors'>(kind: K, entry: DiscoveryReport[K][number]): void {
    const size = jsonBytes(entry) + 1; // the comma
    const current = batches[batches.length - 1];
    const full = bytes + size > limits.maxBytes || current[kind].length >= limits.maxEntries;
    if (full && entries > 0) {
      batches.push(empty());
      bytes = baseBytes;
      entries = 0;
    }
    (batches[batches.length - 1][kind] as DiscoveryReport[K][number][]).push(entry);
    bytes += size;
    entries++;
  }
  for (const certificate of report.certificates) place('certificates', certificate);
  for (const error of report.errors) place('errors', error);
  return batches;
}

/** The answers of the batches as one: counts summed, each rejected index back to its place in the whole report. */
export function mergeDiscoveryAnswers(answers: { answer: DiscoveryAnswer; firstIndex: number }[]): DiscoveryAnswer {
  return {
    received: answers.reduce((sum, { answer }) => sum + answer.received, 0),
    new: answers.reduce((sum, { answer }) => sum + answer.new, 0),
    rejected: answers.flatMap(({ answer, firstIndex }) =>
      (answer.rejected ?? []).map((entry) => ({ ...entry, index: entry.index + firstIndex })),
    ),
  };
}

const entriesOf = (batch: DiscoveryReport) => batch.certificates.length + batch.errors.length;

/**
 * Sends the report in batches through `post` and merges the answers. When the server refuses a
 * batch as too large (413: a CERTCTL_MAX_BODY_BYTES below the default), the byte budget is halved
 * for the rest of the report and the batch sent again in smaller parts; a single certificate
 * larger than the limit comes back in `rejected`, a single error entry is dropped.
 */
export async function sendDiscoveryReport(
  report: DiscoveryReport,
  post: (batch: DiscoveryReport) => Promise<DiscoveryAnswer>,
  limits: BatchLimits = DISCOVERY_BATCH_LIMITS,
): Promise<DiscoveryAnswer & { requests: number }> {
  const answers: { answer: DiscoveryAnswer; firstIndex: number }[] = [];
  let maxBytes = limits.maxBytes;
  let requests = 0;
  async function sendAll(batches: DiscoveryReport[], firstIndex: number): Promise<void> {
    for (const batch of batches) {
      await send(batch, firstIndex);
      firstIndex += batch.certificates.length;
    }
  }
  async function send(batch: DiscoveryReport, firstIndex: number): Promise<void> {
    const single = entriesOf(batch) <= 1;
    if (!single && jsonBytes(batch) > maxBytes) return sendAll(splitDiscoveryReport(batch, { ...limits, maxBytes }), firstIndex);
    requests++;
    try {
      answers.push({ answer: await post(batch), firstIndex });
    } catch (err) {
      if (!(err instanceof GatewayError) || err.status !== 413) throw err;
      if (!single) {
        maxBytes = Math.min(maxBytes, Math.ceil(jsonBytes(batch) / 2));
        return send(batch, firstIndex);
      }
      const error = 'larger than the server accepts in one request (HTTP 413)';
      const rejected = batch.certificates.map((entry, index) => ({ index, path: entry.path, error }));
      answers.push({ answer: { received: 0, new: 0, rejected }, firstIndex });
    }
  }
  await sendAll(splitDiscoveryReport(report, limits), 0);
  return { ...mergeDiscoveryAnswers(answers), requests };
}
