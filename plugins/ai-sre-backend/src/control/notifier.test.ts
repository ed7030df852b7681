import { mockServices } from '@backstage/backend-test-utils';
import type { Incident } from '@internal/plugin-ai-sre-common';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { IncidentNotifier, INCIDENT_SIGNAL_CHANNEL } from './notifier';

const incident: Incident = {
  id: 'inc-1',
  title: 'CrashLoopBackOff on Deployment/shop/catalog-api',
  summary: 'catalog-api crashes since revision 7',
  entityRef: 'component:default/catalog-api',
  impactedEntityRefs: [],
  ownerRef: 'group:default/team-catalog',
  systemRef: null,
  cluster: 'prod',
  namespace: 'shop',
  severity: 'high',
  status: 'open',
  category: 'bad-deploy',
  startedAt: '2025-03-04T00:02:00.000Z',
  openedAt: '2025-03-04T00:02:30.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  updatedAt: '2025-03-04T00:02:30.000Z',
};

describe('IncidentNotifier', () => {
  it('notifies the owner, updates open pages, and signs the webhook', async () => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> =
      [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const sent: any[] = [];
    const published: any[] = [];
    try {
      const notifier = new IncidentNotifier({
        logger: mockServices.logger.mock(),
        notifications: { send: async n => void sent.push(n) },
        signals: { publish: async s => void published.push(s) },
        webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' },
      });
      await notifier.incidentChanged(incident, 'awaiting-approval');

      expect(sent).toEqual([
        {
          recipients: {
            type: 'entity',
            entityRef: 'group:default/team-catalog',
          },
          payload: expect.objectContaining({
            title: `Approval needed: ${incident.title}`,
            link: '/ai-sre/incidents/inc-1',
            severity: 'high',
            scope: 'ai-sre:inc-1',
          }),
        },
      ]);
      expect(published).toEqual([
        expect.objectContaining({
          channel: INCIDENT_SIGNAL_CHANNEL,
          message: expect.objectContaining({
            incidentId: 'inc-1',
            change: 'awaiting-approval',
          }),
        }),
      ]);
      expect(received).toHaveLength(1);
      const expected = `sha256=${createHmac('sha256', 's3cret')
        .update(received[0].body)
        .digest('hex')}`;
      expect(received[0].headers['x-ai-sre-signature']).toBe(expected);
      expect(JSON.parse(received[0].body)).toMatchObject({
        version: 1,
        change: 'awaiting-approval',
        incident: { id: 'inc-1' },
      });

      // Updates that are not news reach open pages only.
      await notifier.incidentChanged(incident, 'updated');
      expect(sent).toHaveLength(1);
      expect(received).toHaveLength(1);
      expect(published).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it('logs and carries on when a channel fails', async () => {
    const logger = mockServices.logger.mock();
    const notifier = new IncidentNotifier({
      logger,
      notifications: {
        send: async () => {
          throw new Error('notifications backend down');
        },
      },
    });
    await notifier.incidentChanged(incident, 'opened');
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not deliver an incident update',
      expect.objectContaining({ error: 'notifications backend down' }),
    );
  });
});
