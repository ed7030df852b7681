/**
 * The router is tested against its OpenAPI document: every route the
 * router serves is documented (and nothing else), and real responses of
 * every documented route validate against the document's schemas.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { aiSrePlugin } from '../plugin';
import { defaultPolicyConfig } from '../policy';
import { IncidentEngine } from '../reasoning/IncidentEngine';
import { CASES } from '../reasoning/rules/cases';
import { createStores } from '../store';
import { KnexCheckpointSaver } from '../store/checkpoint';
import { createRouter } from '../service/router';
import { createTestDatabases } from '../__testUtils__/databases';

const { databases } = createTestDatabases();
jest.setTimeout(60_000);

const document = parse(
  fs.readFileSync(path.join(__dirname, 'openapi.yaml'), 'utf8'),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components });

/** The schema of a documented response, with refs into the document. */
function responseSchema(method: string, route: string, status: number) {
  const operation = document.paths[route]?.[method];
  if (!operation)
    throw new Error(`${method.toUpperCase()} ${route} is not documented`);
  let response =
    operation.responses[String(status)] ?? operation.responses.default;
  if (!response)
    throw new Error(`${method} ${route} does not document ${status}`);
  if (response.$ref) {
    response = document.components.responses[response.$ref.split('/').pop()];
  }
  const content = response.content ?? {};
  const media = Object.keys(content)[0];
  const rewrite = (value: any): any => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          k === '$ref' && typeof v === 'string' ? `openapi${v}` : rewrite(v),
        ]),
      );
    }
    return value;
  };
  return { media, schema: rewrite(content[media]?.schema ?? {}) };
}

function expectDocumented(
  method: string,
  route: string,
  res: request.Response,
) {
  const { media, schema } = responseSchema(method, route, res.status);
  expect(res.type).toBe(media);
  if (media === 'application/json') {
    const validate = ajv.compile(schema);
    const ok = validate(res.body);
    if (!ok) {
      throw new Error(
        `${method.toUpperCase()} ${route} ${
          res.status
        } does not match the document: ${ajv.errorsText(validate.errors)}`,
      );
    }
  }
}

describe('the OpenAPI document', () => {
  it('documents exactly the routes the router serves', async () => {
    const stores = await createStores(
      mockServices.database({ knex: await databases.init('SQLITE_3') }),
    );
    const router = await createRouter({
      logger: mockServices.logger.mock(),
      httpAuth: mockServices.httpAuth.mock(),
      permissions: mockServices.permissions.mock(),
      incidents: stores.incidents,
      signals: stores.signals,
      incidentConditionFilter: () => () => {},
      detectors: () => [],
      clusters: () => [],
      dependencies: async () => [],
      ingest: async () => {},
      now: () => 0,
      control: {
        executions: stores.executions,
        controlStore: stores.control,
        control: {} as any,
        policy: defaultPolicyConfig(),
      },
    });
    const served = (router as any).stack
      .filter((layer: any) => layer.route)
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map(
          method =>
            `${method.toUpperCase()} ${layer.route.path.replace(
              /:(\w+)/g,
              '{$1}',
            )}`,
        ),
      )
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([route, operations]: [string, any]) =>
        Object.keys(operations).map(m => `${m.toUpperCase()} ${route}`),
      )
      .sort();
    expect(served).toEqual(documented);
  });

  it('describes the responses the routes give', async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startTestBackend({
      features: [
        aiSrePlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({
          data: { aiSre: { alertmanager: { sharedSecret: 'secret-123' } } },
        }),
      ],
    });
    const stores = await createStores(mockServices.database({ knex }));
    const { group, context } = CASES.find(
      c => c.category === 'bad-deploy',
    )!.build();
    await new IncidentEngine({
      incidents: stores.incidents,
      checkpointer: new KnexCheckpointSaver(knex),
      policy: defaultPolicyConfig(),
      clock: { now: () => context.now },
      logger: mockServices.logger.mock(),
    }).evaluate('prod', group.signals, context);
    const [{ id }] = (await stores.incidents.list({ limit: 1 })).items;
    const auth = mockCredentials.user.header();
    const api = () => request(backend.server);
    const check = async (
      method: 'get' | 'post' | 'put',
      route: string,
      url: string,
      body?: object,
      expectedStatus = 200,
    ) => {
      let call = (api() as any)
        [method](`/api/ai-sre${url}`)
        .set('Authorization', auth);
      if (body) call = call.send(body);
      const res = await call;
      expect([method, url, res.status]).toEqual([method, url, expectedStatus]);
      expectDocumented(method, route, res);
    };

    await check('get', '/health', '/health');
    await check('get', '/incidents', '/incidents?status=open&q=crash&limit=5');
    await check('get', '/incidents/{id}', `/incidents/${id}`);
    await check(
      'get',
      '/incidents/{id}/postmortem',
      `/incidents/${id}/postmortem`,
    );
    await check('get', '/signals', '/signals');
    await check('get', '/clusters', '/clusters');
    await check('get', '/dependencies', '/dependencies');
    await check('get', '/detectors', '/detectors');
    await check('get', '/kill-switch', '/kill-switch');
    await check('get', '/policy', '/policy');
    await check('get', '/metrics', '/metrics?groupBy=owner');
    await check(
      'post',
      '/incidents/{id}/approval',
      `/incidents/${id}/approval`,
      {
        approve: false,
        comment: 'not now',
      },
    );
    await check('get', '/incidents/{id}/audit', `/incidents/${id}/audit`);
    await check(
      'post',
      '/incidents/{id}/acknowledge',
      `/incidents/${id}/acknowledge`,
      {},
    );
    await check('post', '/incidents/{id}/resolve', `/incidents/${id}/resolve`, {
      comment: 'fixed by hand',
    });
    await check(
      'post',
      '/incidents/{id}/false-positive',
      `/incidents/${id}/false-positive`,
      {
        reason: 'load test',
      },
    );
    await check('put', '/kill-switch', '/kill-switch', { enabled: false });
    await check(
      'post',
      '/executions/{id}/rollback',
      '/executions/nope/rollback',
      {},
      404,
    );
    await check(
      'post',
      '/incidents/{id}/approval',
      `/incidents/${id}/approval`,
      { approve: 1 },
      400,
    );
    const alert = await api()
      .post('/api/ai-sre/alerts/alertmanager')
      .set('Authorization', 'Bearer secret-123')
      .send({
        version: '4',
        groupKey: 'g',
        status: 'firing',
        receiver: 'ai-sre',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager',
        alerts: [],
      });
    expectDocumented('post', '/alerts/alertmanager', alert);
    await backend.stop();
  });
});
