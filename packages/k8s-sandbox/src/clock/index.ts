export {
  SCENARIO_EPOCH,
  VirtualClock,
  WallClock,
  type Clock,
  type RunAtSpeedOptions,
  type TickListener,
  type TimerCallback,
  type TimerHandle,
  type VirtualClockOptions,
} from './VirtualClock';
export { BinaryHeap } from './heap';
