import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';

/** Entity refs the search can be scoped to, from the catalog. */
export interface CatalogOptions {
  owners: string[];
  systems: string[];
  entities: string[];
}

const EMPTY: CatalogOptions = { owners: [], systems: [], entities: [] };

/**
 * The catalog's groups and users (owners), systems, and components and
 * resources (entities), so filters offer what exists.
 */
export function useCatalogOptions(): CatalogOptions & { loading: boolean } {
  const catalogApi = useApi(catalogApiRef);
  const { value, loading } = useAsync(async (): Promise<CatalogOptions> => {
    const { items } = await catalogApi.getEntities({
      filter: [
        { kind: 'Group' },
        { kind: 'User' },
        { kind: 'System' },
        { kind: 'Component' },
        { kind: 'Resource' },
      ],
      fields: ['kind', 'metadata.name', 'metadata.namespace'],
    });
    const refs = (kinds: string[]) =>
      items
        .filter(e => kinds.includes(e.kind))
        .map(e => stringifyEntityRef(e))
        .sort();
    return {
      owners: refs(['Group', 'User']),
      systems: refs(['System']),
      entities: refs(['Component', 'Resource']),
    };
  }, [catalogApi]);
  return { ...(value ?? EMPTY), loading };
}
