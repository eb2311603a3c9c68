import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/use-api';

export const CERTIFICATE_STATUSES = [
  'pending',
  'active',
  'expiring',
  'expired',
  'renewal_in_progress',
  'failed',
  'revoked',
  'archived',
] as const;
export const SORTS = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: 'expires_at', label: 'Expires soonest' },
  { value: '-expires_at', label: 'Expires latest' },
] as const;

export interface CertificateFilters {
  status: string;
  issuer_id: string;
  owner_id: string;
  team_id: string;
  profile_id: string;
  expiring_days: string;
  q: string;
  sort: (typeof SORTS)[number]['value'];
}

export const EMPTY_FILTERS: CertificateFilters = {
  status: '',
  issuer_id: '',
  owner_id: '',
  team_id: '',
  profile_id: '',
  expiring_days: '',
  q: '',
  sort: '-created_at',
};

type Option = { id: string; name: string };

/** The filter bar: every filter the list API applies. */
export function CertificateFilterBar({ value, onChange }: { value: CertificateFilters; onChange: (next: CertificateFilters) => void }) {
  const api = useApi();
  const options = useQuery({
    queryKey: ['certificate-filter-options'],
    queryFn: async () => {
      const [issuers, owners, teams, profiles] = await Promise.all([
        api.call('get', '/api/v1/issuers'),
        api.call('get', '/api/v1/owners', { query: { limit: 500 } }),
        api.call('get', '/api/v1/teams', { query: { limit: 500 } }),
        api.call('get', '/api/v1/profiles', { query: { limit: 500 } }),
      ]);
      return {
        issuers: issuers.data as Option[],
        owners: owners.data as Option[],
        teams: teams.data as Option[],
        profiles: profiles.data as Option[],
      };
    },
    refetchInterval: false,
  });
  const set = (field: keyof CertificateFilters) => (event: { target: { value: string } }) =>
    onChange({ ...value, [field]: event.target.value });
  const select = (field: keyof CertificateFilters, label: string, list: Option[] | undefined) => (
    <div className="field">
      <label htmlFor={`filter-${field}`}>{label}</label>
      <select id={`filter-${field}`} value={value[field]} onChange={set(field)}>
        <option value="">Any</option>
        {(list ?? []).map((option) => (
          <option key={option.id} value={option.id}>
            {option.name}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form className="filters" role="search" aria-label="Filter certificates" onSubmit={(event) => event.preventDefault()}>
      <div className="field grow">
        <label htmlFor="filter-q">Search</label>
        <input id="filter-q" type="search" placeholder="name or common name" value={value.q} onChange={set('q')} />
      </div>
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={value.status} onChange={set('status')}>
          <option value="">Any</option>
          {CERTIFICATE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </div>
      {select('issuer_id', 'Issuer', options.data?.issuers)}
      {select('owner_id', 'Owner', options.data?.owners)}
      {select('team_id', 'Team', options.data?.teams)}
      {select('profile_id', 'Profile', options.data?.profiles)}
      <div className="field">
        <label htmlFor="filter-expiring">Expiring within</label>
        <select id="filter-expiring" value={value.expiring_days} onChange={set('expiring_days')}>
          <option value="">Any time</option>
          {['7', '30', '90'].map((days) => (
            <option key={days} value={days}>
              {days} days
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-sort">Sort</label>
        <select id="filter-sort" value={value.sort} onChange={set('sort')}>
          {SORTS.map((sort) => (
            <option key={sort.value} value={sort.value}>
              {sort.label}
            </option>
          ))}
        </select>
      </div>
      <button type="button" onClick={() => onChange(EMPTY_FILTERS)}>
        Clear
      </button>
    </form>
  );
}

/** The list API's query for the filters (expiring within becomes expires_before). */
export function listQuery(filters: CertificateFilters, now: number) {
  return {
    status: (filters.status || undefined) as (typeof CERTIFICATE_STATUSES)[number] | undefined,
    issuer_id: filters.issuer_id || undefined,
    owner_id: filters.owner_id || undefined,
    team_id: filters.team_id || undefined,
    profile_id: filters.profile_id || undefined,
    q: filters.q.trim() || undefined,
    sort: filters.sort,
    expires_before: filters.expiring_days ? new Date(now + Number(filters.expiring_days) * 86_400_000).toISOString() : undefined,
  };
}

const LINKABLE = ['status', 'issuer_id', 'owner_id', 'team_id', 'profile_id', 'expiring_days'] as const;

/** The filters a link may set in the query string (`/certificates?issuer_id=iss-local`, `?status=expiring`). */
export function filtersFrom(search: URLSearchParams): CertificateFilters {
  const filters = { ...EMPTY_FILTERS };
  for (const name of LINKABLE) filters[name] = search.get(name) ?? '';
  return filters;
}
