/**
 * The AI SRE frontend plugin: Incidents, Root cause and Approvals tabs.
 *
 * @packageDocumentation
 */

export {
  aiSrePlugin,
  isAiSreAvailable,
  EntityAiSreIncidentsContent,
  EntityAiSreRootCauseContent,
  EntityAiSreApprovalsContent,
  AiSrePage,
} from './plugin';
export * from './api';
