export {
  DEMO_DIR,
  DEMO_FAULTS_DIR,
  DEMO_SCENARIO_FILE,
  faultFiles,
  loadDemoScenarios,
} from './demoScenarios';
export type { DemoScenarios } from './demoScenarios';
export { startFaultRotation } from './rotation';
export type { FaultInjection, FaultRotationOptions } from './rotation';
