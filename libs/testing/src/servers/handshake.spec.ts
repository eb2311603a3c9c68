import { unexpectedReloadFailures } from './handshake';

describe('reload handshake rules', () => {
  it('holds NGINX, Apache httpd and HAProxy to zero failed handshakes', () => {
    expect(unexpectedReloadFailures('nginx', ['read ECONNRESET'])).toEqual(['read ECONNRESET']);
  });

  it("allows Caddy's configuration swap one reset, nothing else and no second one", () => {
    expect(unexpectedReloadFailures('caddy', ['read ECONNRESET'])).toEqual([]);
    expect(unexpectedReloadFailures('caddy', ['read ECONNRESET', 'read ECONNRESET'])).toEqual(['read ECONNRESET']);
    expect(unexpectedReloadFailures('caddy', ['wrong leaf served'])).toEqual(['wrong leaf served']);
  });
});
