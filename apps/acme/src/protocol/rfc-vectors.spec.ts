// The examples the RFCs themselves give, so the JWS verifier, thumbprints, key
// authorizations and ARI identifiers are pinned to the text rather than to our own output.
import { certIdOf, parseCertId } from '../certificates/cert-id';
import { dns01TxtValue, isValidToken, trimHttp01Body } from '../validation/key-authorization';
import { type ParsedJws, payloadJson, thumbprint, verifyJws } from './jws';

/** A compact JWS from an RFC as the verifier sees it after parseJws (the RFC examples carry no ACME url). */
function fromCompact(compact: string): ParsedJws {
  const [p, payload, signature] = compact.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as ParsedJws['header'];
  return { input: { protected: p, payload, signature }, header: { ...header, url: 'https://example.com/acme' } };
}

/** The same JWS with one bit of its signature flipped. */
function tampered(jws: ParsedJws): ParsedJws {
  const sig = Buffer.from(jws.input.signature, 'base64url');
  sig[5] = (sig[5] as number) ^ 0x01;
  return { ...jws, input: { ...jws.input, signature: sig.toString('base64url') } };
}

describe('RFC 7515 Appendix A.3: ES256 (the account-key algorithm RFC 8555 §6.2 requires)', () => {
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  };
  const jws = fromCompact(
    'eyJhbGciOiJFUzI1NiJ9' +
      '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
      '.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
  );

  it('ok/the example verifies and yields its payload', async () => {
    expect(payloadJson(await verifyJws(jws, jwk))).toEqual({ iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true });
  });

  it('fail/one flipped signature bit does not verify (malformed, RFC 8555 §6.2)', async () => {
    await expect(verifyJws(tampered(jws), jwk)).rejects.toMatchObject({ type: 'malformed' });
  });
});

describe('RFC 8037 Appendix A: Ed25519 (EdDSA account keys)', () => {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
  const jws = fromCompact(
    'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc' +
      '.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
  );

  it('ok/A.4: the example signature over "Example of Ed25519 signing" verifies', async () => {
    expect(Buffer.from(await verifyJws(jws, jwk)).toString('utf8')).toBe('Example of Ed25519 signing');
    await expect(verifyJws(tampered(jws), jwk)).rejects.toMatchObject({ type: 'malformed' });
  });

  it('ok/A.3: the RFC 7638 thumbprint of the example key', async () => {
    expect(await thumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
});

describe('RFC 8555 §8.1 and §8.3: key authorizations', () => {
  it('ok/§8.1: token "." base64url(RFC 7638 thumbprint), with the RFC 7638 §3.1 example key', async () => {
    const rfc7638Key = {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    };
    const token = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA'; // the §8.4 example token
    expect(isValidToken(token)).toBe(true);
    expect(`${token}.${await thumbprint(rfc7638Key)}`).toBe(
      'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });

  it('ok/§8.3: the example http-01 response body is read as the example key authorization', () => {
    const token = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
    const keyAuthorization = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI';
    expect(isValidToken(token)).toBe(true);
    // The server "SHOULD ignore whitespace characters at the end of the body".
    expect(trimHttp01Body(`${keyAuthorization}\r\n`)).toBe(keyAuthorization);
    expect(keyAuthorization.startsWith(`${token}.`)).toBe(true);
  });

  it('ok/§8.4: the dns-01 TXT value is the unpadded base64url SHA-256 digest (43 characters)', () => {
    const txt = dns01TxtValue('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI');
    expect(txt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(txt, 'base64url')).toHaveLength(32);
  });
});

describe('RFC 9773 §4.1: the ARI certificate identifier example', () => {
  // AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 0x0087654321.
  const aki = '69885b6b87464041e1b37b847ba0ae2cde01c8d4';
  const rfcId = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

  it('ok/writing: the RFC identifier from its AKI and serial (the 00 octet kept before the high bit)', () => {
    expect(certIdOf(aki, '87654321')).toBe(rfcId);
  });

  it('ok/reading: the RFC identifier gives back the AKI and the serial', () => {
    expect(parseCertId(rfcId)).toEqual({ aki, serial: '87654321' });
  });
});
