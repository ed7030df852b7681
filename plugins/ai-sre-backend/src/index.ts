/**
 * The AI SRE backend plugin: telemetry, reasoning, control and execution.
 *
 * @packageDocumentation
 */

export { aiSrePlugin as default } from './plugin';
