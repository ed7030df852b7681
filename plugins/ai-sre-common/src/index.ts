/**
 * Shared types, schemas, permissions and taxonomy of the AI SRE plugins.
 *
 * @packageDocumentation
 */

export * from './taxonomy';
export * from './incidents';
export * from './permissions';
export * from './annotations';
export * from './signals';
export * from './redact';
export * from './quantity';
export * from './analysis';
