/**
 * The kill-switches in force: the runtime ones people flip through the API
 * (global and per entity, in the database so every replica sees them at
 * once) combined with those in `aiSre.policy.killSwitch`.
 */
import type { PolicyConfig } from '../policy';
import type { ControlStore } from '../store/ControlStore';
import type { IncidentStore } from '../store/IncidentStore';

export class KillSwitches {
  constructor(
    private readonly options: {
      control: ControlStore;
      incidents: IncidentStore;
      policy: PolicyConfig;
    },
  ) {}

  /** The runtime switches combined with the configured ones. */
  async state() {
    const runtime = await this.options.control.killSwitches();
    const configured = this.options.policy.killSwitch;
    return {
      global: {
        ...runtime.global,
        enabled: runtime.global.enabled || configured.global,
        configured: configured.global,
      },
      entities: [
        ...runtime.entities,
        ...configured.entities
          .map(ref => ref.toLocaleLowerCase('en-US'))
          .filter(ref => !runtime.entities.some(e => e.entityRef === ref))
          .map(ref => ({
            entityRef: ref,
            reason: 'aiSre.policy.killSwitch.entities',
            updatedBy: 'app-config',
            updatedAt: null as string | null,
          })),
      ],
    };
  }

  /** Why nothing may execute for this incident now, or undefined. */
  async stopped(incidentId: string): Promise<string | undefined> {
    const switches = await this.state();
    if (switches.global.enabled) {
      return `The global kill-switch is on${
        switches.global.reason ? `: ${switches.global.reason}` : ''
      }`;
    }
    const incident = await this.options.incidents.get(incidentId);
    const entity = incident?.entityRef;
    const hit = entity && switches.entities.find(e => e.entityRef === entity);
    return hit
      ? `The kill-switch is on for ${entity}${
          hit.reason ? `: ${hit.reason}` : ''
        }`
      : undefined;
  }
}
