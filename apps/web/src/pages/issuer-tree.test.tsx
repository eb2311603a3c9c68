import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { type Issuer, chainOf, issuerForest } from './issuer-tree';
import { IssuerTree } from './issuers';

const issuer = (id: string, parent_id: string | null, type: Issuer['type'] = 'local'): Issuer => ({
  id,
  name: id,
  type,
  parent_id,
  enabled: true,
  config: {},
  ca_certificate_pem: null,
  ca_chain_pem: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

const ISSUERS = [
  issuer('issuing-b', 'intermediate'),
  issuer('root', null),
  issuer('acme-le', null, 'acme'),
  issuer('intermediate', 'root'),
  issuer('issuing-a', 'intermediate'),
  issuer('orphan', 'gone'),
];

describe('the issuer tree', () => {
  it('puts roots over intermediates over issuing CAs, and connector issuers apart', () => {
    const forest = issuerForest(ISSUERS);
    expect(forest.cas.map((node) => [node.issuer.id, node.role])).toEqual([
      ['orphan', 'root'],
      ['root', 'root'],
    ]);
    const intermediate = forest.cas[1].children[0];
    expect([intermediate.issuer.id, intermediate.role]).toEqual(['intermediate', 'intermediate']);
    expect(intermediate.children.map((node) => [node.issuer.id, node.role])).toEqual([
      ['issuing-a', 'issuing CA'],
      ['issuing-b', 'issuing CA'],
    ]);
    expect(forest.connectors.map((node) => [node.issuer.id, node.role])).toEqual([['acme-le', 'connector']]);
    expect(chainOf(ISSUERS, 'issuing-a').map((link) => link.id)).toEqual(['root', 'intermediate', 'issuing-a']);
  });

  it('renders nested lists of links, each naming its role', () => {
    render(<IssuerTree nodes={issuerForest(ISSUERS).cas} />);
    const root = document.querySelector('[data-issuer="root"]') as HTMLElement;
    expect(within(root).getByRole('link', { name: 'root' }).getAttribute('href')).toBe('/issuers/root');
    const intermediate = root.querySelector('[data-issuer="intermediate"]') as HTMLElement;
    expect(intermediate.textContent).toContain('intermediate');
    expect(intermediate.querySelector('[data-issuer="issuing-a"]')!.textContent).toContain('issuing CA');
    expect(screen.getAllByRole('list')).toHaveLength(3);
  });
});
