/**
 * The simulated control plane: admission and graceful deletion installed on
 * the store, and every controller loop (workloads, scheduler, node
 * lifecycle, endpoints, volumes, autoscaling, disruption budgets), each
 * reconciling through work queues on the virtual clock.
 */
import type { ControlPlane } from '../components';
import type { SimContext } from '../context';
import { installAdmission } from './admission';
import { startCronJobController } from './cronjob';
import { startDaemonSetController } from './daemonset';
import { startDeploymentController } from './deployment';
import { startDisruptionController } from './disruption';
import { startEndpointsController } from './endpoints';
import { Env, Loop, NameGenerator } from './env';
import { installGracefulDeletion } from './graceful';
import { startHpaController } from './hpa';
import { startInformers, stopInformers } from './informers';
import { startJobController } from './job';
import { startNodeLifecycle } from './nodeLifecycle';
import { startQuotaController } from './quota';
import { startReplicaSetController } from './replicaset';
import { startScheduler } from './scheduler';
import { startServiceAccountController } from './serviceAccounts';
import { startStatefulSetController } from './statefulset';
import { startVolumeController } from './volumes';

/** Starts every control-plane loop of the simulated cluster. */
export function startControlPlane(ctx: SimContext): ControlPlane {
  const inf = startInformers(ctx.store);
  const env: Env = { ctx, inf, names: new NameGenerator() };
  const quota = startQuotaController(ctx, inf);
  const removeAdmission = installAdmission(ctx, inf, quota.tracker);
  const removeGraceful = installGracefulDeletion(ctx.store);
  const loops: Loop[] = [
    quota,
    startServiceAccountController(env),
    startVolumeController(env),
    startDeploymentController(env),
    startReplicaSetController(env),
    startStatefulSetController(env),
    startDaemonSetController(env),
    startJobController(env),
    startCronJobController(env),
    startScheduler(env),
    startNodeLifecycle(env),
    startEndpointsController(env),
    startHpaController(env),
    startDisruptionController(env),
  ];
  return {
    stop: () => {
      for (const loop of loops) loop.stop();
      removeAdmission();
      removeGraceful();
      stopInformers(inf);
    },
  };
}
