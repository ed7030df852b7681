import { Entity } from '@backstage/catalog-model';
import {
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
} from '@backstage/core-plugin-api';
import { EvaluatePermissionRequest } from '@backstage/plugin-permission-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  catalogApiRef,
  entityRouteRef,
  EntityProvider,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import {
  mockApis,
  MockFetchApi,
  MockPermissionApi,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { act } from '@testing-library/react';
import { ReactNode } from 'react';
import { SWRConfig } from 'swr';
import { aiSreApiRef, AiSreClient } from '../api';
import { rootRouteRef } from '../routes';
import { entity as defaultEntity } from './fixtures';

export const baseUrl = 'http://backstage.test/api/ai-sre';

/** A signals API the test publishes on. */
export class FakeSignalApi implements SignalApi {
  private readonly listeners = new Map<string, Array<(m: any) => void>>();
  subscribe(channel: string, onMessage: (message: any) => void) {
    this.listeners.set(channel, [
      ...(this.listeners.get(channel) ?? []),
      onMessage,
    ]);
    return {
      unsubscribe: () =>
        this.listeners.set(
          channel,
          (this.listeners.get(channel) ?? []).filter(l => l !== onMessage),
        ),
    };
  }
  publish(channel: string, message: any) {
    act(() => {
      for (const listener of this.listeners.get(channel) ?? []) {
        listener(message);
      }
    });
  }
}

export interface RenderOptions {
  entity?: Entity | null;
  /** Which permissions are denied, by name; everything else is allowed. */
  deny?: string[];
  route?: string;
  signals?: FakeSignalApi;
  catalogEntities?: Entity[];
  /** The signed-in user's entity ref; no identity API when absent. */
  user?: string;
}

/**
 * Renders a component as the app would, with the real AI SRE client on a
 * mocked backend (msw), a permission API, a catalog, and an entity.
 */
export async function renderWithApis(
  node: ReactNode,
  options: RenderOptions = {},
) {
  const discoveryApi = { getBaseUrl: async () => baseUrl };
  const fetchApi = new MockFetchApi();
  const client = new AiSreClient({ discoveryApi, fetchApi });
  const denied = new Set(options.deny ?? []);
  const permissionApi = new MockPermissionApi(
    (request: EvaluatePermissionRequest) =>
      denied.has(request.permission.name)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
  );
  const apis: any[] = [
    [aiSreApiRef, client],
    [discoveryApiRef, discoveryApi],
    [fetchApiRef, fetchApi],
    [permissionApiRef, permissionApi],
    [
      catalogApiRef,
      catalogApiMock({ entities: options.catalogEntities ?? [] }),
    ],
  ];
  if (options.signals) apis.push([signalApiRef, options.signals]);
  if (options.user) {
    apis.push([
      identityApiRef,
      mockApis.identity({ userEntityRef: options.user }),
    ]);
  }
  const entity = options.entity === undefined ? defaultEntity : options.entity;
  // usePermission caches decisions in SWR: a fresh cache per render keeps
  // one test's decisions out of the next.
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider apis={apis}>
        {entity ? (
          <EntityProvider entity={entity}>{node}</EntityProvider>
        ) : (
          node
        )}
      </TestApiProvider>
    </SWRConfig>,
    {
      routeEntries: [options.route ?? '/'],
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/ai-sre': rootRouteRef,
      },
    },
  );
}
