export { aiSreApiRef } from './AiSreApi';
export type { AiSreApi, ListIncidentsRequest } from './AiSreApi';
export { AiSreClient } from './AiSreClient';
