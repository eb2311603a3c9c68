// dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.<name> equal to
// base64url(SHA-256(keyAuthorization)), looked up through the configured resolver.
import { dns01TxtValue, preview } from './key-authorization';
import { abortable, dnsErrorText, type ValidationContext } from './resolve';
import { fail, type ValidationRequest, type ValidationResult } from './types';

export async function validateDns01(ctx: ValidationContext, req: ValidationRequest): Promise<ValidationResult> {
  if (req.identifier.type !== 'dns') return fail('malformed', 'dns-01 cannot validate an IP identifier (RFC 8738 §7)');
  const name = req.identifier.value.replace(/^\*\./, '').replace(/\.$/, '');
  const hostname = `_acme-challenge.${name}`;
  const validationRecord = [{ hostname }];
  let records: string[][];
  try {
    records = await abortable(ctx.signal, ctx.resolver.resolveTxt(hostname), () => ctx.resolver.cancel());
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return fail('dns', `DNS problem: ${dnsErrorText(err)} looking up TXT for ${hostname}`, validationRecord);
  }
  const found = records.map((chunks) => chunks.join(''));
  if (found.length === 0) return fail('dns', `DNS problem: no TXT records found for ${hostname}`, validationRecord);
  if (found.includes(dns01TxtValue(req.keyAuthorization))) return { ok: true, validationRecord };
  const shown = found
    .slice(0, 3)
    .map((v) => `"${preview(v, 64)}"`)
    .join(', ');
  const detail =
    found.length === 1
      ? `incorrect TXT record ${shown} found at ${hostname}`
      : `${found.length} TXT records found at ${hostname}, none matches (${shown}${found.length > 3 ? ', …' : ''})`;
  return fail('incorrectResponse', detail, validationRecord);
}
