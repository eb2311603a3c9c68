// tls-alpn-01 (RFC 8737; RFC 8738 for IP identifiers): a TLS handshake offering only
// acme-tls/1, whose self-signed certificate names exactly the identifier and carries the
// critical acmeIdentifier extension with SHA-256(keyAuthorization).
import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect polyfill
import * as x509 from '@peculiar/x509';
import tls from 'node:tls';
import { reverseName } from '@certctl/platform';
import { canonicalIp } from '@certctl/pki';
import { keyAuthorizationDigest } from './key-authorization';
import { ProblemError, isConnectError, resolveHost, tryAddresses, type ValidationContext } from './resolve';
import {
  fail,
  type AcmeIdentifier,
  type ValidationProblem,
  type ValidationRecord,
  type ValidationRequest,
  type ValidationResult,
} from './types';

export const ACME_TLS_ALPN = 'acme-tls/1';
/** id-pe-acmeIdentifier (RFC 8737 §6.1). */
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';
const SAN_OID = '2.5.29.17';

/** Null when the certificate proves the identifier for this key authorization, else the problem. */
export function checkTlsAlpnCertificate(der: Uint8Array, identifier: AcmeIdentifier, keyAuthorization: string): ValidationProblem | null {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (err) {
    return { type: 'tls', detail: `the certificate could not be parsed: ${(err as Error).message}` };
  }
  const sanExt = cert.extensions.find((e) => e.type === SAN_OID);
  const names = sanExt ? new x509.SubjectAlternativeNameExtension(sanExt.rawData).names.items : [];
  const shown = names.map((n) => `${n.type}:${n.value}`).join(', ') || 'none';
  const want = identifier.type === 'ip' ? `ip:${canonicalIp(identifier.value)}` : `dns:${identifier.value.toLowerCase()}`;
  const matches =
    names.length === 1 &&
    names[0]!.type === identifier.type &&
    (identifier.type === 'ip'
      ? canonicalIp(names[0]!.value) === canonicalIp(identifier.value)
      : names[0]!.value.toLowerCase() === identifier.value.toLowerCase());
  if (!matches) {
    return { type: 'unauthorized', detail: `the certificate must name exactly ${want} in subjectAltName; it names ${shown}` };
  }
  const ext = cert.extensions.find((e) => e.type === ACME_IDENTIFIER_OID);
  if (!ext) return { type: 'unauthorized', detail: `the certificate has no acmeIdentifier extension (${ACME_IDENTIFIER_OID})` };
  if (!ext.critical) return { type: 'unauthorized', detail: 'the acmeIdentifier extension is not marked critical' };
  const value = Buffer.from(ext.value);
  // extnValue holds the DER of OCTET STRING (SIZE (32)): 04 20 <digest>.
  if (value.length !== 34 || value[0] !== 0x04 || value[1] !== 0x20) {
    return {
      type: 'unauthorized',
      detail: `the acmeIdentifier extension is not a DER OCTET STRING of 32 bytes (${value.toString('hex')})`,
    };
  }
  const got = value.subarray(2);
  if (!got.equals(keyAuthorizationDigest(keyAuthorization))) {
    return {
      type: 'incorrectResponse',
      detail: `the acmeIdentifier extension holds ${got.toString('hex')}, not SHA-256 of the key authorization`,
    };
  }
  return null;
}

interface Handshake {
  alpn: string | false;
  der?: Buffer;
}

function handshake(ctx: ValidationContext, address: string, servername: string): Promise<Handshake> {
  return new Promise<Handshake>((resolve, reject) => {
    const socket = tls.connect({
      host: address,
      port: ctx.opts.tlsAlpn01Port,
      servername,
      ALPNProtocols: [ACME_TLS_ALPN],
      rejectUnauthorized: false,
    });
    const onAbort = () => {
      socket.destroy();
      reject(ctx.signal.reason);
    };
    const done = () => {
      ctx.signal.removeEventListener('abort', onAbort);
      socket.destroy();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      resolve({ alpn: socket.alpnProtocol ?? false, der: peer && peer.raw ? Buffer.from(peer.raw) : undefined });
      done();
    });
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('error', (err) => {
      // Once TCP is up, a failure is the TLS handshake's: reported as tls, no other address tried.
      reject(connected ? Object.assign(err, { tlsHandshake: true }) : err);
      done();
    });
  });
}

export async function validateTlsAlpn01(ctx: ValidationContext, req: ValidationRequest): Promise<ValidationResult> {
  const { identifier } = req;
  if (identifier.value.startsWith('*.')) return fail('malformed', 'tls-alpn-01 cannot validate a wildcard identifier (use dns-01)');
  const isIp = identifier.type === 'ip';
  const hostname = identifier.value;
  const servername = isIp ? reverseName(identifier.value) : identifier.value;
  const record: ValidationRecord = { hostname, port: String(ctx.opts.tlsAlpn01Port) };
  const records = [record];
  let target;
  try {
    target = await resolveHost(ctx, hostname, 'rejectedIdentifier');
  } catch (err) {
    if (err instanceof ProblemError) return fail(err.type, err.message, records);
    throw err;
  }
  record.addressesResolved = target.resolved;
  const attempt = await tryAddresses(ctx, target.candidates, record, (address) => handshake(ctx, address, servername));
  if (!attempt.ok) {
    const e = attempt.error as { code?: string; message?: string };
    const type = isConnectError(e) ? 'connection' : 'tls';
    return fail(
      type,
      `TLS handshake with ${record.addressUsed}:${record.port} (SNI ${servername}): ${e.code ? `${e.code}: ` : ''}${e.message}`,
      records,
    );
  }
  const result = attempt.value;
  if (result.alpn !== ACME_TLS_ALPN) {
    const got = result.alpn ? `"${result.alpn}"` : 'no protocol';
    return fail('tls', `${record.addressUsed}:${record.port} negotiated ${got} instead of ${ACME_TLS_ALPN}`, records);
  }
  if (!result.der) return fail('tls', `${record.addressUsed}:${record.port} sent no certificate`, records);
  const problem = checkTlsAlpnCertificate(result.der, identifier, req.keyAuthorization);
  return problem ? fail(problem.type, problem.detail, records) : { ok: true, validationRecord: records };
}
