export * from './types';
export {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  failureStatus,
  forbidden,
  invalid,
  notFound,
  successStatus,
  tooManyRequests,
} from './errors';
export type { ErrorTarget } from './errors';
export {
  ResourceRegistry,
  STANDARD_VERBS,
  apiVersionOf,
  parseApiVersion,
  storageKey,
} from './resources';
export type { ResourceType, SubresourceType, GroupInfo } from './resources';
export { ObjectStore } from './store';
export type {
  AdmissionHook,
  AdmissionRequest,
  DeleteOptions,
  DeleteResult,
  GracefulDeletion,
  ListOptions,
  ListResult,
  Operation,
  PatchOptions,
  ResourceRef,
  StoreOptions,
  Validator,
  WatchListener,
  WatchOptions,
  WriteOptions,
} from './store';
export {
  applyPatchOfType,
  jsonMergePatch,
  jsonPatch,
  strategicMergePatch,
  PATCH_CONTENT_TYPES,
} from './patch';
export type { PatchType } from './patch';
export {
  fieldMatcher,
  formatLabelSelector,
  labelMatcher,
  matchesLabelSelector,
  parseLabelSelector,
  selectorMatcher,
} from './selectors';
export type { LabelSelector, Matcher, Requirement } from './selectors';
export { createApiServer } from './server';
export type { ApiServer, ApiServerOptions } from './server';
export { buildKubeconfig } from './kubeconfig';
export type { KubeconfigOptions } from './kubeconfig';
export {
  TokenAuthenticator,
  defaultClusterRoles,
  rbacAllows,
  serviceAccountUser,
} from './rbac';
export type { RequestAttributes } from './rbac';
export { toScale } from './scale';
export { disruptionsAllowed, evictPod } from './eviction';
export { toTable } from './tables';
export { fromStorage, toStorage } from './conversions';
export { deepClone, deepFreeze, humanAge, rfc3339, rfc3339Micro } from './util';
