import { connectorFor, knownTargetTypes } from './registry';

describe('target connector registry', () => {
  it('ok/every target type the agent deploys to has its connector, found by its type', () => {
    expect(knownTargetTypes()).toEqual(
      expect.arrayContaining(['apache', 'aws-acm', 'caddy', 'directory', 'dovecot', 'haproxy', 'keystore', 'nginx', 'postfix', 'ssh']),
    );
    for (const type of knownTargetTypes()) expect(connectorFor(type)?.type).toBe(type);
  });

  it('fail/an unknown type (or an inherited property name) has no connector', () => {
    expect(connectorFor('iis')).toBeUndefined();
    expect(connectorFor('toString')).toBeUndefined();
  });
});
