/**
 * GitOps awareness: objects an Argo CD Application or a Flux Kustomization
 * or HelmRelease manages are put back by their controller from Git, so a
 * direct patch either does not last or fights the controller. The execution
 * layer refuses to patch them unless policy allows it, and names the Git
 * source to change instead.
 */

export interface GitOpsOwner {
  tool: 'Argo CD' | 'Flux';
  /** What to change instead, e.g. `Argo CD Application payments`. */
  source: string;
}

export function gitOpsOwner(object: {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}): GitOpsOwner | undefined {
  const labels = object.metadata?.labels ?? {};
  const annotations = object.metadata?.annotations ?? {};
  const tracking = annotations['argocd.argoproj.io/tracking-id'];
  if (tracking) {
    // <app>:<group>/<kind>:<namespace>/<name>
    return {
      tool: 'Argo CD',
      source: `Argo CD Application ${tracking.split(':')[0]}`,
    };
  }
  if (labels['argocd.argoproj.io/instance']) {
    return {
      tool: 'Argo CD',
      source: `Argo CD Application ${labels['argocd.argoproj.io/instance']}`,
    };
  }
  const kustomization = labels['kustomize.toolkit.fluxcd.io/name'];
  if (kustomization) {
    const ns = labels['kustomize.toolkit.fluxcd.io/namespace'];
    return {
      tool: 'Flux',
      source: `Flux Kustomization ${ns ? `${ns}/` : ''}${kustomization}`,
    };
  }
  const release = labels['helm.toolkit.fluxcd.io/name'];
  if (release) {
    const ns = labels['helm.toolkit.fluxcd.io/namespace'];
    return {
      tool: 'Flux',
      source: `Flux HelmRelease ${ns ? `${ns}/` : ''}${release}`,
    };
  }
  return undefined;
}
