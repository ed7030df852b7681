import { DatabaseService } from '@backstage/backend-plugin-api';
import { ControlStore } from './ControlStore';
import { ExecutionStore } from './ExecutionStore';
import { IncidentStore } from './IncidentStore';
import { LeaseStore } from './LeaseStore';
import { SignalStore } from './SignalStore';

export interface Stores {
  incidents: IncidentStore;
  signals: SignalStore;
  leases: LeaseStore;
  executions: ExecutionStore;
  control: ControlStore;
}

/** Runs the plugin's migrations (unless skipped) and opens every store. */
export async function createStores(database: DatabaseService): Promise<Stores> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await IncidentStore.migrate(client);
  }
  return {
    incidents: new IncidentStore(client),
    signals: new SignalStore(client),
    leases: new LeaseStore(client),
    executions: new ExecutionStore(client),
    control: new ControlStore(client),
  };
}
export * from './checkpoint';
