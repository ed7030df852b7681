/*
 * The demo Backstage backend with the AI SRE plugin wired in.
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: the guest provider lets anyone try the demo as user:default/guest
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permissions, with the demo's ownership policy
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissionPolicyModule'));

// kubernetes (the Kubernetes tab on entity pages)
backend.add(import('@backstage/plugin-kubernetes-backend'));

// events: the bus that catalog, signals and AI SRE publish on
backend.add(import('@backstage/plugin-events-backend'));

// user settings, notifications and signals
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// AI SRE
backend.add(import('@internal/plugin-ai-sre-backend'));

backend.start();
