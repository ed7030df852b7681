/**
 * Extension points of the AI SRE backend plugin.
 *
 * @packageDocumentation
 */

export * from './detectors';
export * from './actions';
export * from './kubernetes';
export * from './clock';
