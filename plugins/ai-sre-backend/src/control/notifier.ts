/**
 * Tells people and open pages what happened to an incident: Backstage
 * notifications to the owning group (so the Slack and email notification
 * modules work unchanged), a live update over Backstage signals for pages
 * showing it, and an optional outgoing webhook signed with HMAC-SHA256.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Incident } from '@internal/plugin-ai-sre-common';
import { createHmac } from 'node:crypto';
import type { IncidentChange } from '../reasoning/IncidentEngine';

/** The signals channel open incident pages subscribe to. */
export const INCIDENT_SIGNAL_CHANNEL = 'ai-sre:incidents';

export interface NotificationSender {
  send(options: {
    recipients: { type: 'entity'; entityRef: string | string[] };
    payload: {
      title: string;
      description?: string;
      link?: string;
      severity?: 'critical' | 'high' | 'normal' | 'low';
      topic?: string;
      scope?: string;
    };
  }): Promise<void>;
}

export interface SignalPublisher {
  publish(signal: {
    recipients: { type: 'broadcast' };
    channel: string;
    message: Record<string, string>;
  }): Promise<void>;
}

export interface WebhookConfig {
  url: string;
  /** Shared secret for the `X-AI-SRE-Signature: sha256=<hex>` header. */
  secret: string;
}

/** Which changes people are told about (every change reaches open pages). */
const NOTIFIED: Partial<Record<IncidentChange, string>> = {
  opened: 'New incident',
  reopened: 'Incident re-opened',
  'awaiting-approval': 'Approval needed',
  executed: 'Fix executed',
  resolved: 'Incident resolved',
  escalated: 'Approval overdue',
  expired: 'Approval expired',
  'verification-failed': 'Fix rolled back',
};

const SEVERITY: Record<
  Incident['severity'],
  'critical' | 'high' | 'normal' | 'low'
> = {
  critical: 'critical',
  high: 'high',
  medium: 'normal',
  low: 'low',
};

/** The HMAC signature of a webhook body. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class IncidentNotifier {
  constructor(
    private readonly options: {
      logger: LoggerService;
      notifications?: NotificationSender;
      signals?: SignalPublisher;
      webhook?: WebhookConfig;
      fetch?: typeof fetch;
    },
  ) {}

  async incidentChanged(
    incident: Incident,
    change: IncidentChange,
    detail?: string,
    /** Who else to tell (an escalation group). */
    also?: string[],
  ): Promise<void> {
    const { logger } = this.options;
    const tasks: Array<Promise<unknown>> = [];
    tasks.push(
      this.options.signals?.publish({
        recipients: { type: 'broadcast' },
        channel: INCIDENT_SIGNAL_CHANNEL,
        message: {
          incidentId: incident.id,
          change,
          entityRef: incident.entityRef ?? '',
          status: incident.status,
        },
      }) ?? Promise.resolve(),
    );
    const headline = NOTIFIED[change];
    const owner = incident.ownerRef ?? incident.entityRef;
    const recipients = [...(owner ? [owner] : []), ...(also ?? [])];
    if (headline && recipients.length && this.options.notifications) {
      tasks.push(
        this.options.notifications.send({
          recipients: {
            type: 'entity',
            entityRef: recipients.length === 1 ? recipients[0] : recipients,
          },
          payload: {
            title: `${headline}: ${incident.title}`,
            description: detail ?? incident.summary,
            link: `/ai-sre/incidents/${encodeURIComponent(incident.id)}`,
            severity: SEVERITY[incident.severity],
            topic: 'ai-sre',
            // One notification per incident, updated as it moves on.
            scope: `ai-sre:${incident.id}`,
          },
        }),
      );
    }
    if (headline && this.options.webhook) {
      tasks.push(this.postWebhook(incident, change, detail));
    }
    for (const result of await Promise.allSettled(tasks)) {
      if (result.status === 'rejected') {
        logger.warn('Could not deliver an incident update', {
          incident: incident.id,
          change,
          error:
            result.reason instanceof Error
              ? result.reason.message
              : String(result.reason),
        });
      }
    }
  }

  private async postWebhook(
    incident: Incident,
    change: IncidentChange,
    detail?: string,
  ) {
    const webhook = this.options.webhook!;
    const body = JSON.stringify({
      version: 1,
      change,
      detail: detail ?? null,
      incident,
    });
    const response = await (this.options.fetch ?? fetch)(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-ai-sre-signature': signWebhook(body, webhook.secret),
        'x-ai-sre-event': change,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new Error(`The webhook answered ${response.status}`);
    }
  }
}
