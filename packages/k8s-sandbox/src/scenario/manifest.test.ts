import { causeType, validateManifest, VALIDATED_KINDS } from './manifest';

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'ghcr.io/x/web:1.0.0',
              ports: [{ name: 'http', containerPort: 8080 }],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: 1, memory: '256Mi' },
              },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            },
          ],
        },
      },
    },
  };
}

describe('validateManifest', () => {
  it('accepts a valid Deployment', () => {
    expect(validateManifest(deployment())).toEqual([]);
  });

  it('rejects unknown fields, at any depth', () => {
    const d = deployment();
    d.spec.replica = 3;
    d.spec.template.spec.containers[0].imagePullPolice = 'Always';
    d.spec.template.spec.containers[0].ports[0].targetPort = 80;
    const issues = validateManifest(d, 'cluster.objects[2]');
    expect(issues.map(i => [i.path, i.kind])).toEqual([
      [
        'cluster.objects[2].spec.template.spec.containers[0].ports[0].targetPort',
        'unknown-field',
      ],
      [
        'cluster.objects[2].spec.template.spec.containers[0].imagePullPolice',
        'unknown-field',
      ],
      ['cluster.objects[2].spec.replica', 'unknown-field'],
    ]);
    expect(issues[2].field).toBe('spec.replica');
    expect(issues[2].message).toBe(
      'unknown field "replica" (not in the Deployment apps/v1 schema)',
    );
  });

  it('reports wrong types, bad quantities and missing fields', () => {
    const d = deployment();
    d.spec.replicas = 'two';
    d.spec.template.spec.containers[0].resources.limits.memory = 'lots';
    d.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    delete d.spec.selector;
    const issues = validateManifest(d);
    const byField = Object.fromEntries(issues.map(i => [i.field, i]));
    expect(byField['spec.replicas'].message).toBe(
      'expected an integer, got "two"',
    );
    expect(byField['spec.replicas'].kind).toBe('invalid-type');
    expect(
      byField['spec.template.spec.containers[0].resources.limits.memory']
        .message,
    ).toBe('expected a Kubernetes quantity like 250m or 512Mi, got "lots"');
    expect(
      byField['spec.template.spec.containers[0].ports[0].containerPort']
        .message,
    ).toBe('expected an integer, got "8080"');
    expect(byField['spec.selector'].message).toBe('required field is missing');
    expect(causeType(byField['spec.selector'])).toBe('FieldValueRequired');
  });

  it('checks that the selector matches the template labels', () => {
    const d = deployment();
    d.spec.template.metadata.labels = { app: 'other' };
    expect(validateManifest(d)).toEqual([
      expect.objectContaining({
        field: 'spec.template.metadata.labels',
        message: 'expected labels matching spec.selector.matchLabels (app=web)',
      }),
    ]);
  });

  it('requires container images', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].image;
    expect(validateManifest(d)).toEqual([
      expect.objectContaining({
        field: 'spec.template.spec.containers[0].image',
        kind: 'required',
      }),
    ]);
  });

  it('accepts stringData on a Secret and free-form maps', () => {
    expect(
      validateManifest({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'shop' },
        type: 'Opaque',
        stringData: { password: 'x' },
        data: { token: 'eA==' },
      }),
    ).toEqual([]);
    expect(
      validateManifest({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', annotations: { 'a.b/c': 'd' } },
        data: { 'any-key': 'value' },
      }),
    ).toEqual([]);
  });

  it('rejects an unsupported apiVersion for a validated kind', () => {
    const d = deployment();
    d.apiVersion = 'apps/v1beta1';
    expect(validateManifest(d)).toEqual([
      expect.objectContaining({
        field: 'apiVersion',
        kind: 'not-supported',
        message: 'expected apps/v1 for kind Deployment, got "apps/v1beta1"',
      }),
    ]);
  });

  it('accepts other kinds verbatim under any apiVersion', () => {
    expect(
      validateManifest({
        apiVersion: 'example.com/v1alpha1',
        kind: 'Widget',
        metadata: { name: 'w', namespace: 'shop' },
        spec: { anything: { goes: [1, 2, 3] } },
      }),
    ).toEqual([]);
  });

  it('checks apiVersion, kind and metadata of every object', () => {
    const issues = validateManifest({ kind: 'widget', metadata: {} }, [
      'timeline',
      0,
      'apply',
    ]);
    expect(issues.map(i => `${i.path}: ${i.message}`)).toEqual([
      'timeline[0].apply.apiVersion: required field is missing',
      'timeline[0].apply.kind: expected a kind like Deployment, got "widget"',
      'timeline[0].apply.metadata.name: required field is missing',
    ]);
    expect(validateManifest('nope')[0].message).toMatch(
      /expected a Kubernetes object/,
    );
    expect(
      validateManifest({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'Bad_Name' },
      })[0].message,
    ).toMatch(/expected a DNS label/);
  });

  it('validates every listed kind with a minimal object', () => {
    expect(VALIDATED_KINDS).toEqual(
      expect.arrayContaining([
        'Namespace',
        'ConfigMap',
        'Secret',
        'Deployment',
        'StatefulSet',
        'DaemonSet',
        'Job',
        'CronJob',
        'Service',
        'HorizontalPodAutoscaler',
        'PersistentVolumeClaim',
        'ResourceQuota',
        'LimitRange',
        'PodDisruptionBudget',
        'NetworkPolicy',
        'PriorityClass',
        'StorageClass',
        'Pod',
        'Node',
        'ServiceAccount',
        'Role',
        'ClusterRole',
        'RoleBinding',
        'ClusterRoleBinding',
      ]),
    );
    const minimal: Record<string, unknown>[] = [
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'h', namespace: 'shop' },
        spec: {
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
          },
          maxReplicas: 4,
        },
      },
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'high' },
        value: 1000,
      },
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'fast' },
        provisioner: 'x',
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'c', namespace: 'shop' },
        spec: {
          schedule: '*/5 * * * *',
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'c', image: 'busybox' }],
                },
              },
            },
          },
        },
      },
    ];
    for (const object of minimal) {
      expect(validateManifest(object)).toEqual([]);
    }
  });
});
