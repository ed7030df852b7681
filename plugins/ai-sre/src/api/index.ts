export { aiSreApiRef } from './AiSreApi';
export type {
  AiSreApi,
  ListIncidentsRequest,
  ListSignalsRequest,
  ListSignalsResponse,
} from './AiSreApi';
export { AiSreClient } from './AiSreClient';
